package haia.testing;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * A stand-in for an ntfy server (binwiederhier/ntfy v2, server/server.go) on 127.0.0.1: {@code POST} or {@code PUT}
 * to {@code /<topic>} publishes, with the rules the real server applies, each answered as it answers them:
 * <ul>
 *     <li>the topic must match {@code ^[-_A-Za-z0-9]{1,64}$} (else 404 {@code 40401});</li>
 *     <li>{@code Authorization: Bearer <token>} or basic: a wrong one is 401 {@code 40101}; a protected topic without
 *         one is 403 {@code 40301};</li>
 *     <li>parameters come from headers (first of {@code X-Title}, {@code Title}, {@code t}; likewise priority, tags,
 *         markdown, click), else from the query; header values may be RFC 2047 encoded words (decoded as ntfy's
 *         {@code mime.WordDecoder} does);</li>
 *     <li>the priority must be 1-5 or min/low/default/high/max/urgent (else 400 {@code 40007});</li>
 *     <li>the body is the message: valid UTF-8 of at most 4,096 bytes, else ntfy treats it as an attachment, which
 *         this server (like one without an attachment cache) refuses with 400 {@code 40014}.</li>
 * </ul>
 * It records what it accepted and every request it refused. It can also answer 500 or hang, as a failing server does.
 */
public final class FakeNtfy implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TOPIC = Pattern.compile("/([-_A-Za-z0-9]{1,64})");
    private static final Pattern ENCODED_WORD = Pattern.compile("=\\?([^?]+)\\?([BbQq])\\?([^?]*)\\?=");
    private static final Pattern RFC9218 = Pattern.compile("^u=\\d,\\s*(i|\\d)$|^u=\\d$");
    static final int MESSAGE_LIMIT = 4096;

    /** A published message as ntfy stores it. */
    public record Message(String topic, String title, int priority, List<String> tags, boolean markdown, String click,
                          String message) {
    }

    /** How the server answers. */
    public enum Mode { NORMAL, FAIL_500, HANG }

    private final WebServer server;
    private final Optional<String> token;
    private final List<Message> messages = new CopyOnWriteArrayList<>();
    private final List<String> refused = new CopyOnWriteArrayList<>();
    private volatile Mode mode = Mode.NORMAL;
    private volatile Duration hang = Duration.ofSeconds(60);

    private FakeNtfy(Optional<String> token) {
        this.token = token;
        this.server = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false)
                .routing(r -> r.any(this::handle)).build().start();
    }

    /** An open server: anyone may publish. */
    public static FakeNtfy start() {
        return new FakeNtfy(Optional.empty());
    }

    /** A server whose topics need this access token ({@code tk_...}). */
    public static FakeNtfy withToken(String token) {
        return new FakeNtfy(Optional.of(token));
    }

    public int port() {
        return server.port();
    }

    public void mode(Mode mode) {
        this.mode = mode;
    }

    /** How long a {@link Mode#HANG} request hangs before it fails. */
    public void hang(Duration duration) {
        this.hang = duration;
    }

    public List<Message> messages() {
        return List.copyOf(messages);
    }

    /** Requests it refused, with the reason (must stay empty when HAIA is right). */
    public List<String> refused() {
        return List.copyOf(refused);
    }

    private void handle(ServerRequest req, ServerResponse res) throws Exception {
        byte[] body = req.content().as(byte[].class);
        switch (mode) {
            case FAIL_500 -> {
                error(res, 500, 50001, "internal server error");
                return;
            }
            case HANG -> {
                Thread.sleep(hang);
                error(res, 500, 50001, "internal server error");
                return;
            }
            default -> {
                // answered below
            }
        }
        String method = req.prologue().method().text();
        Matcher topic = TOPIC.matcher(req.path().rawPath());
        if (!(method.equals("POST") || method.equals("PUT")) || !topic.matches()) {
            refuse(res, 404, 40401, "page not found", method + " " + req.path().rawPath());
            return;
        }
        Optional<String> auth = req.headers().first(HeaderNames.AUTHORIZATION).map(String::strip);
        if (auth.isPresent() && !authorized(auth.get())) {
            refuse(res, 401, 40101, "unauthorized", "wrong credentials");
            return;
        }
        if (token.isPresent() && auth.isEmpty()) {
            refuse(res, 403, 40301, "forbidden", "no credentials for a protected topic");
            return;
        }
        String priorityText = param(req, "x-priority", "priority", "prio", "p");
        Optional<Integer> priority = priority(priorityText);
        if (priority.isEmpty()) {
            refuse(res, 400, 40007, "invalid priority parameter", "priority '" + priorityText + "'");
            return;
        }
        Optional<String> text = utf8(body);
        if (text.isEmpty() || body.length > MESSAGE_LIMIT) {
            refuse(res, 400, 40014, "invalid request: attachments not allowed", body.length + " bytes, UTF-8 "
                    + text.isPresent());
            return;
        }
        String markdown = param(req, "x-markdown", "markdown", "md").toLowerCase(Locale.ROOT);
        String contentType = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
        String tags = param(req, "x-tags", "tags", "tag", "ta");
        Message message = new Message(topic.group(1), param(req, "x-title", "title", "t"), priority.get(),
                                      tags.isEmpty() ? List.of() : List.of(tags.split("\\s*,\\s*")),
                                      List.of("1", "yes", "true").contains(markdown)
                                              || contentType.toLowerCase(Locale.ROOT).equals("text/markdown"),
                                      param(req, "x-click", "click"),
                                      text.get().isBlank() ? "triggered" : text.get().strip());
        messages.add(message);
        ObjectNode answer = JSON.createObjectNode().put("id", "fake" + messages.size())
                .put("time", System.currentTimeMillis() / 1000).put("event", "message").put("topic", message.topic())
                .put("message", message.message());
        if (!message.title().isEmpty()) {
            answer.put("title", message.title());
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json").send(JSON.writeValueAsBytes(answer));
    }

    private boolean authorized(String value) {
        if (token.isEmpty()) {
            return false;   // an open server has no users: any credentials are wrong
        }
        if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return value.substring(7).strip().equals(token.get());
        }
        if (value.regionMatches(true, 0, "Basic ", 0, 6)) {
            String pair = new String(Base64.getDecoder().decode(value.substring(6).strip()), StandardCharsets.UTF_8);
            return pair.startsWith(":") && pair.substring(1).equals(token.get());   // ntfy: empty user, token as password
        }
        return false;
    }

    /** readParam: the first non-empty of the headers (decoded), else of the query parameters. */
    private static String param(ServerRequest req, String... names) {
        for (String name : names) {
            Optional<String> value = req.headers().first(HeaderNames.create(name)).map(v -> decode(v).strip());
            if (value.isPresent() && !value.get().isEmpty()
                    && !(name.equals("priority") && RFC9218.matcher(value.get()).matches())) {
                return value.get();
            }
        }
        for (String name : names) {
            Optional<String> value = req.query().first(name).asOptional().map(String::strip);
            if (value.isPresent() && !value.get().isEmpty()) {
                return value.get();
            }
        }
        return "";
    }

    /** util.ParsePriority; empty means the default (3). */
    private static Optional<Integer> priority(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "" -> Optional.of(3);
            case "1", "min" -> Optional.of(1);
            case "2", "low" -> Optional.of(2);
            case "3", "default" -> Optional.of(3);
            case "4", "high" -> Optional.of(4);
            case "5", "max", "urgent" -> Optional.of(5);
            default -> Optional.empty();
        };
    }

    /** RFC 2047 encoded words, B and Q, as Go's mime.WordDecoder decodes a header. */
    static String decode(String value) {
        Matcher m = ENCODED_WORD.matcher(value);
        StringBuilder out = new StringBuilder();
        int last = 0;
        while (m.find()) {
            out.append(value, last, m.start());
            try {
                Charset charset = Charset.forName(m.group(1));
                byte[] bytes = m.group(2).equalsIgnoreCase("B") ? Base64.getDecoder().decode(m.group(3))
                        : q(m.group(3));
                out.append(new String(bytes, charset));
            } catch (RuntimeException e) {
                return value;   // undecodable: the raw value
            }
            last = m.end();
        }
        return out.append(value.substring(last)).toString();
    }

    private static byte[] q(String text) {
        List<Byte> bytes = new ArrayList<>();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '_') {
                bytes.add((byte) ' ');
            } else if (c == '=' && i + 2 < text.length()) {
                bytes.add((byte) Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.add((byte) c);
            }
        }
        byte[] out = new byte[bytes.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = bytes.get(i);
        }
        return out;
    }

    private static Optional<String> utf8(byte[] body) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                                       .onUnmappableCharacter(CodingErrorAction.REPORT)
                                       .decode(ByteBuffer.wrap(body)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    private void refuse(ServerResponse res, int status, int code, String error, String why) throws Exception {
        refused.add(status + " " + code + ": " + why);
        error(res, status, code, error);
    }

    private static void error(ServerResponse res, int status, int code, String error) throws Exception {
        res.status(Status.create(status)).header(HeaderNames.CONTENT_TYPE, "application/json")
                .send(JSON.writeValueAsBytes(Map.of("code", code, "http", status, "error", error)));
    }

    @Override
    public void close() {
        server.stop();
    }
}
