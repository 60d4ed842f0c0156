package lwa.sample;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * The routes of CONTRACT.md. Handlers write to the servlet response themselves so that
 * content-type and body are exactly the contract's, with nothing added by converters.
 */
@Controller
public class SampleController {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] PNG = Base64.getDecoder().decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");
    private static final byte[] GZIP_BODY = gzip(repeat("hello gzip\n", 20));
    private static final List<Integer> NO_BODY_STATUS = Arrays.asList(204, 205, 304);
    private static final String TEXT = "text/plain";

    // ---- helpers -------------------------------------------------------------------------

    /** Every response goes through here: exact content-type, exact body, nothing added. */
    private static void send(HttpServletResponse resp, int status, String type, byte[] body)
            throws IOException {
        resp.setStatus(status);
        if (type != null) {
            resp.setContentType(type);
        }
        if (!NO_BODY_STATUS.contains(status)) {
            resp.setContentLength(body.length);
            resp.getOutputStream().write(body);
        }
        resp.flushBuffer(); // commit now: nothing after the handler may add headers
    }

    private static void send(HttpServletResponse resp, int status, String type, String body)
            throws IOException {
        send(resp, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void badRequest(HttpServletResponse resp) throws IOException {
        send(resp, 400, TEXT, "bad request");
    }

    /** The raw query exactly as on the wire, "" when none. */
    private static String rawQuery(HttpServletRequest req) {
        String query = req.getQueryString();
        return query == null ? "" : query;
    }

    /** First occurrence of name in the raw query; null when absent. */
    private static String queryParam(HttpServletRequest req, String name) {
        String query = rawQuery(req);
        if (query.isEmpty()) {
            return null;
        }
        for (String part : query.split("&", -1)) {
            int eq = part.indexOf('=');
            String key = eq == -1 ? part : part.substring(0, eq);
            if (key.equals(name)) {
                return eq == -1 ? "" : part.substring(eq + 1);
            }
        }
        return null;
    }

    /** Integer query parameter in [0, max]; dflt when absent (null: required); -1 when invalid. */
    private static int intParam(HttpServletRequest req, String name, Integer dflt, int max) {
        String raw = queryParam(req, name);
        if (raw == null) {
            return dflt == null ? -1 : dflt;
        }
        if (!raw.matches("[0-9]{1,9}")) {
            return -1;
        }
        int n = Integer.parseInt(raw);
        return n <= max ? n : -1;
    }

    private static byte[] readBody(HttpServletRequest req) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        InputStream in = req.getInputStream();
        byte[] block = new byte[65536];
        int n;
        while ((n = in.read(block)) != -1) {
            buf.write(block, 0, n);
        }
        return buf.toByteArray();
    }

    private static String repeat(String s, int times) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < times; i++) {
            sb.append(s);
        }
        return sb.toString();
    }

    private static byte[] gzip(String text) {
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            GZIPOutputStream gz = new GZIPOutputStream(buf);
            gz.write(text.getBytes(StandardCharsets.UTF_8));
            gz.close();
            return buf.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- routes --------------------------------------------------------------------------

    @RequestMapping(value = "/", method = RequestMethod.GET)
    public void root(HttpServletResponse resp) throws IOException {
        send(resp, 200, TEXT, "ok");
    }

    /** ANY method but OPTIONS (Spring never matches OPTIONS to a mapping without methods). */
    @RequestMapping({"/echo", "/echo/**"})
    public void echo(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        List<List<String>> headers = new ArrayList<List<String>>();
        // The servlet API groups repeated headers under their first appearance.
        for (String name : Collections.list(req.getHeaderNames())) {
            for (String value : Collections.list(req.getHeaders(name))) {
                headers.add(Arrays.asList(name.toLowerCase(java.util.Locale.ROOT), value));
            }
        }
        Map<String, Object> doc = new LinkedHashMap<String, Object>();
        doc.put("method", req.getMethod());
        doc.put("path", req.getRequestURI());
        doc.put("query", rawQuery(req));
        doc.put("headers", headers);
        doc.put("body", Base64.getEncoder().encodeToString(readBody(req)));
        send(resp, 200, "application/json", JSON.writeValueAsBytes(doc));
    }

    @RequestMapping(value = {"/echo", "/echo/**"}, method = RequestMethod.OPTIONS)
    public void echoOptions(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        echo(req, resp);
    }

    @RequestMapping(value = "/status/{code}", method = RequestMethod.GET)
    public void status(@PathVariable("code") String code, HttpServletResponse resp) throws IOException {
        if (!code.matches("[0-9]{3}")) {
            badRequest(resp);
            return;
        }
        int status = Integer.parseInt(code);
        if (status < 200 || status > 599) {
            badRequest(resp);
            return;
        }
        send(resp, status, NO_BODY_STATUS.contains(status) ? null : TEXT, "status " + status);
    }

    @RequestMapping(value = "/binary", method = RequestMethod.GET)
    public void binary(HttpServletResponse resp) throws IOException {
        send(resp, 200, "image/png", PNG);
    }

    @RequestMapping(value = "/cookies", method = RequestMethod.GET)
    public void cookies(HttpServletResponse resp) throws IOException {
        resp.addHeader("Set-Cookie", "a=1; Path=/");
        resp.addHeader("Set-Cookie", "b=2; Path=/; HttpOnly");
        resp.addHeader("Set-Cookie", "c=3; Path=/; Secure; SameSite=Strict");
        send(resp, 200, "application/json", "{\"cookies\":3}");
    }

    @RequestMapping(value = "/headers/multi", method = RequestMethod.GET)
    public void headersMulti(HttpServletResponse resp) throws IOException {
        resp.addHeader("x-multi", "one");
        resp.addHeader("x-multi", "two");
        send(resp, 200, TEXT, "multi");
    }

    @RequestMapping(value = "/big", method = RequestMethod.GET)
    public void big(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        int kb = intParam(req, "kb", null, 262144);
        if (kb < 0) {
            badRequest(resp);
            return;
        }
        resp.setStatus(200);
        resp.setContentType(TEXT);
        resp.setContentLengthLong(kb * 1024L);
        byte[] block = new byte[65536];
        Arrays.fill(block, (byte) 'a');
        OutputStream out = resp.getOutputStream();
        long left = kb * 1024L;
        while (left > 0) {
            int n = (int) Math.min(left, block.length);
            out.write(block, 0, n);
            left -= n;
        }
        resp.flushBuffer();
    }

    @RequestMapping(value = "/stream", method = RequestMethod.GET)
    public ResponseEntity<StreamingResponseBody> stream(HttpServletRequest req, HttpServletResponse resp)
            throws IOException {
        final int chunks = intParam(req, "chunks", 5, 100000);
        final int delayMs = intParam(req, "delay_ms", 100, 60000);
        if (chunks < 0 || delayMs < 0) {
            badRequest(resp);
            return null;
        }
        StreamingResponseBody body = out -> {
            out.flush(); // headers go out at once; the body is chunked (no content-length)
            for (int i = 0; i < chunks; i++) {
                if (i > 0) {
                    try {
                        Thread.sleep(delayMs);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                out.write(("data: " + i + "\n\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        };
        return ResponseEntity.ok().header("Content-Type", "text/event-stream").body(body);
    }

    @RequestMapping(value = "/redirect", method = RequestMethod.GET)
    public void redirect(HttpServletResponse resp) throws IOException {
        resp.setHeader("Location", "/echo/redirected");
        send(resp, 302, null, new byte[0]);
    }

    @RequestMapping(value = "/empty", method = RequestMethod.GET)
    public void empty(HttpServletResponse resp) throws IOException {
        send(resp, 204, null, new byte[0]);
    }

    @RequestMapping(value = "/gzip", method = RequestMethod.GET)
    public void gzip(HttpServletResponse resp) throws IOException {
        resp.setHeader("Content-Encoding", "gzip");
        send(resp, 200, TEXT, GZIP_BODY);
    }

    @RequestMapping(value = "/events", method = RequestMethod.POST)
    public void events(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        send(resp, 200, "application/json", readBody(req));
    }

    @RequestMapping(value = "/slow", method = RequestMethod.GET)
    public void slow(HttpServletRequest req, HttpServletResponse resp) throws IOException, InterruptedException {
        int ms = intParam(req, "ms", null, 900000);
        if (ms < 0) {
            badRequest(resp);
            return;
        }
        Thread.sleep(ms);
        send(resp, 200, TEXT, "slept " + ms);
    }

    private static JsonNode contextHeader(HttpServletRequest req, String name) {
        String value = req.getHeader(name);
        if (value == null) {
            return null;
        }
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            return TextNode.valueOf(value);
        }
    }

    @RequestMapping(value = "/context", method = RequestMethod.GET)
    public void context(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        ObjectNode doc = JSON.createObjectNode();
        doc.set("request_context", contextHeader(req, "x-amzn-request-context"));
        doc.set("lambda_context", contextHeader(req, "x-amzn-lambda-context"));
        send(resp, 200, "application/json", JSON.writeValueAsBytes(doc));
    }

    /** Anything else is 404, including a known path with another method (no 405). */
    @RequestMapping("/**")
    public void notFound(HttpServletResponse resp) throws IOException {
        send(resp, 404, TEXT, "not found");
    }

    @RequestMapping(value = "/**", method = RequestMethod.OPTIONS)
    public void notFoundOptions(HttpServletResponse resp) throws IOException {
        notFound(resp);
    }

    @ExceptionHandler(Exception.class)
    public void internalError(Exception e, HttpServletResponse resp) throws IOException {
        e.printStackTrace();
        if (resp.isCommitted()) {
            return;
        }
        resp.reset();
        send(resp, 500, TEXT, "internal error");
    }
}
