package lwa.sample;

import java.io.IOException;

import javax.servlet.ServletException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * Sends every method, OPTIONS and TRACE included, straight to Spring MVC.
 *
 * <p>HttpServlet's own doOptions/doTrace would otherwise add an Allow header or append a
 * message/http echo after the handler has answered. Tomcat drops the body of HEAD responses
 * by itself, so HttpServlet's doHead wrapper is not needed either.
 */
final class SampleDispatcherServlet extends DispatcherServlet {

    private static final long serialVersionUID = 1L;

    SampleDispatcherServlet(WebApplicationContext context) {
        super(context);
        setDispatchOptionsRequest(true);
        setDispatchTraceRequest(true);
        setPublishEvents(false);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        processRequest(request, response);
    }
}
