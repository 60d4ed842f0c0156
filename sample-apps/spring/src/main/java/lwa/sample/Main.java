package lwa.sample;

import java.io.File;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;

/**
 * Spring Web MVC 4.3 sample app on embedded Tomcat 9. Implements sample-apps/CONTRACT.md.
 *
 * <p>Environment: PORT (8080), HOST (127.0.0.1), START_DELAY_MS (0), KEEP_ALIVE_S (60).
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        installSigtermHandler();
        int port = envInt("PORT", 8080);
        String host = System.getenv("HOST");
        if (host == null || host.isEmpty()) {
            host = "127.0.0.1";
        }
        int startDelayMs = envInt("START_DELAY_MS", 0);
        int keepAliveS = envInt("KEEP_ALIVE_S", 60);

        // Framework chatter goes to stderr via java.util.logging; keep warnings only.
        Logger.getLogger("").setLevel(Level.WARNING);

        if (startDelayMs > 0) {
            Thread.sleep(startDelayMs);
        }

        // "%5C" in a path is a 400 otherwise; the raw path still reaches the app untouched.
        System.setProperty("org.apache.catalina.connector.CoyoteAdapter.ALLOW_BACKSLASH", "true");

        // Tomcat wants a base directory for its work files. With no JSPs and no persisted
        // sessions it only creates empty folders there, so every instance shares one.
        File base = new File(System.getProperty("java.io.tmpdir"), "lwa-sample-spring");
        Files.createDirectories(base.toPath());
        Tomcat tomcat = new Tomcat();
        tomcat.setSilent(true);
        tomcat.setBaseDir(base.getAbsolutePath());

        Connector connector = new Connector("HTTP/1.1");
        connector.setPort(port);
        connector.setProperty("address", host);
        connector.setProperty("keepAliveTimeout", String.valueOf(keepAliveS * 1000));
        connector.setProperty("maxKeepAliveRequests", "-1");
        connector.setProperty("maxHttpHeaderSize", "65536");
        connector.setProperty("maxHeaderCount", "-1"); // Tomcat's default is 100
        // Raw paths and queries as an adapter may forward them: no 400 for these.
        connector.setProperty("relaxedPathChars", "\"<>[\\]^`{|}");
        connector.setProperty("relaxedQueryChars", "\"<>[\\]^`{|}");
        connector.setEncodedSolidusHandling("passthrough"); // "/echo/a%2Fb" reaches the app
        connector.setAllowTrace(true); // TRACE goes to the app like every other method
        // An absolute-form target whose host differs from the Host header is a 400 otherwise.
        connector.setProperty("allowHostHeaderMismatch", "true");
        tomcat.setConnector(connector);

        // Tomcat's own error pages (for requests it rejects before the app sees them): no stack
        // traces, no server version.
        ErrorReportValve errorPages = new ErrorReportValve();
        errorPages.setShowReport(false);
        errorPages.setShowServerInfo(false);
        tomcat.getHost().getPipeline().addValve(errorPages);

        Context context = tomcat.addContext("", base.getAbsolutePath());
        AnnotationConfigWebApplicationContext spring = new AnnotationConfigWebApplicationContext();
        spring.register(WebConfig.class, SampleController.class);
        Wrapper wrapper = Tomcat.addServlet(context, "dispatcher", new SampleDispatcherServlet(spring));
        wrapper.setLoadOnStartup(1);
        wrapper.setAsyncSupported(true); // StreamingResponseBody runs asynchronously
        context.addServletMappingDecoded("/", "dispatcher");

        tomcat.start();
        say("ready on " + port);
        tomcat.getServer().await();
    }

    static void say(String line) {
        PrintStream out = System.out;
        out.println(line);
        out.flush();
    }

    private static int envInt(String name, int dflt) {
        String raw = System.getenv(name);
        if (raw == null || raw.isEmpty()) {
            return dflt;
        }
        if (!raw.matches("[0-9]{1,9}")) {
            throw new IllegalArgumentException(name + " must be a non-negative integer, got \"" + raw + "\"");
        }
        return Integer.parseInt(raw);
    }

    /**
     * SIGTERM: log the line and exit 0 (the JVM's default is exit status 143). sun.misc.Signal is
     * reached by reflection because javac --release 8 does not expose it.
     */
    private static void installSigtermHandler() throws Exception {
        Class<?> signalClass = Class.forName("sun.misc.Signal");
        Class<?> handlerInterface = Class.forName("sun.misc.SignalHandler");
        Object term = signalClass.getConstructor(String.class).newInstance("TERM");
        Object handler = Proxy.newProxyInstance(
                Main.class.getClassLoader(),
                new Class<?>[] {handlerInterface},
                (proxy, method, args) -> {
                    if ("handle".equals(method.getName())) {
                        say("SIGTERM received, shutting down");
                        Runtime.getRuntime().halt(0); // no shutdown hooks to wait for
                    }
                    if ("hashCode".equals(method.getName())) {
                        return System.identityHashCode(proxy);
                    }
                    if ("equals".equals(method.getName())) {
                        return proxy == args[0];
                    }
                    if ("toString".equals(method.getName())) {
                        return "SigtermHandler";
                    }
                    return null;
                });
        signalClass.getMethod("handle", signalClass, handlerInterface).invoke(null, term, handler);
    }
}
