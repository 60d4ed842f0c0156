package lwa.sample;

import javax.servlet.http.HttpServletRequest;

import org.springframework.util.AntPathMatcher;
import org.springframework.web.util.UrlPathHelper;

/**
 * Routing on the raw path as it arrived, like the other sample apps (see CONTRACT.md, "Routing").
 *
 * <p>Spring's defaults match a percent-decoded, cleaned-up path ("//binary" and "/bin%61ry" both
 * reach /binary) and decode path variables. These two classes make the handler mapping see
 * {@code getRequestURI()} untouched, and make a pattern match only when the raw path has exactly
 * its shape: AntPathMatcher on its own ignores empty segments.
 */
final class RawPathMatching {

    private RawPathMatching() {
    }

    /** The lookup path is the raw request URI (the context path is "" here). */
    static final class RawUrlPathHelper extends UrlPathHelper {
        RawUrlPathHelper() {
            // Spring decodes path variables only when urlDecode is false (it assumes the lookup
            // path was decoded otherwise); true keeps them raw. Our lookup path ignores the flag.
            setUrlDecode(true);
            setRemoveSemicolonContent(false);
            setAlwaysUseFullPath(true);
        }

        @Override
        public String getLookupPathForRequest(HttpServletRequest request) {
            return request.getRequestURI();
        }
    }

    /**
     * The contract's patterns are literal paths, "/status/{code}", "/echo/**" and the catch-all
     * "/**". A raw path matches "/echo/**" only when it is "/echo" or starts with "/echo/", and any
     * other pattern only when it has no empty segment ("//").
     */
    static final class RawPathMatcher extends AntPathMatcher {
        @Override
        public boolean match(String pattern, String path) {
            if (!super.match(pattern, path)) {
                return false;
            }
            if (pattern.equals("/**")) {
                return true;
            }
            if (pattern.endsWith("/**")) {
                String prefix = pattern.substring(0, pattern.length() - 3);
                return path.equals(prefix) || path.startsWith(prefix + "/");
            }
            return !path.contains("//");
        }
    }
}
