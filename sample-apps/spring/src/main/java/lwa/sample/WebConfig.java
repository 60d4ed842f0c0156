package lwa.sample;

import java.util.ArrayList;
import java.util.List;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletRequestWrapper;

import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.converter.ByteArrayHttpMessageConverter;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.converter.StringHttpMessageConverter;
import org.springframework.http.converter.json.MappingJackson2HttpMessageConverter;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.stereotype.Component;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerExecutionChain;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Spring MVC infrastructure, declared by hand.
 *
 * <p>Deliberately {@code @Component}, not {@code @Configuration}, and no {@code @EnableWebMvc}:
 * Debian's spring-core jar has a CGLIB/ASM mismatch, so nothing may be CGLIB-enhanced. In this
 * "lite" mode {@code @Bean} methods must not call each other; dependencies come in as parameters.
 */
@Component
public class WebConfig {

    /** Streaming responses (StreamingResponseBody) run on this pool. */
    @Bean
    public ThreadPoolTaskExecutor mvcTaskExecutor() {
        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
        executor.setCorePoolSize(4);
        executor.setMaxPoolSize(64);
        executor.setQueueCapacity(0);
        executor.setThreadNamePrefix("mvc-async-");
        return executor;
    }

    @Bean
    public RequestMappingHandlerMapping requestMappingHandlerMapping() {
        RequestMappingHandlerMapping mapping = new NoCorsHandlerMapping();
        mapping.setOrder(0);
        mapping.setUseSuffixPatternMatch(false); // "/binary.png" is not "/binary"
        mapping.setUseTrailingSlashMatch(false); // "/binary/" is not "/binary"
        mapping.setUrlPathHelper(new RawPathMatching.RawUrlPathHelper()); // match the raw path
        mapping.setPathMatcher(new RawPathMatching.RawPathMatcher());
        return mapping;
    }

    @Bean
    public RequestMappingHandlerAdapter requestMappingHandlerAdapter(ThreadPoolTaskExecutor mvcTaskExecutor) {
        List<HttpMessageConverter<?>> converters = new ArrayList<HttpMessageConverter<?>>();
        converters.add(new ByteArrayHttpMessageConverter());
        StringHttpMessageConverter strings = new StringHttpMessageConverter();
        strings.setWriteAcceptCharset(false);
        converters.add(strings);
        converters.add(new MappingJackson2HttpMessageConverter());

        RequestMappingHandlerAdapter adapter = new RequestMappingHandlerAdapter();
        adapter.setMessageConverters(converters);
        adapter.setTaskExecutor(mvcTaskExecutor);
        adapter.setAsyncRequestTimeout(3_600_000L); // /stream may run long; Tomcat's default is 30 s
        return adapter;
    }

    /**
     * Spring 4.3 answers CORS preflights itself (and may reject them), and matches a preflight
     * OPTIONS to the mapping of the method it announces. The sample app does no CORS: a preflight
     * is routed like any other OPTIONS request and reaches the mapped handler.
     */
    static final class NoCorsHandlerMapping extends RequestMappingHandlerMapping {
        @Override
        protected HandlerExecutionChain getCorsHandlerExecutionChain(
                HttpServletRequest request, HandlerExecutionChain chain, CorsConfiguration config) {
            return chain;
        }

        @Override
        protected HandlerMethod lookupHandlerMethod(String lookupPath, HttpServletRequest request)
                throws Exception {
            return super.lookupHandlerMethod(
                    lookupPath, CorsUtils.isPreFlightRequest(request) ? new NotPreflight(request) : request);
        }
    }

    /** Hides Access-Control-Request-Method, which is what makes Spring see a preflight. */
    static final class NotPreflight extends HttpServletRequestWrapper {
        NotPreflight(HttpServletRequest request) {
            super(request);
        }

        @Override
        public String getHeader(String name) {
            return HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD.equalsIgnoreCase(name) ? null : super.getHeader(name);
        }
    }
}
