package haia.notify;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;

import haia.json.Jackson;
import haia.store.Finding;
import haia.store.FindingJson;

/**
 * One message as one target's API takes it: the headers and body of a POST. Pure, so each protocol's rules can be
 * checked without a socket.
 * <ul>
 *     <li>ntfy ({@code POST /<topic>}, docs.ntfy.sh/publish): the body is the message (at most 4,096 bytes: ntfy
 *         turns a longer one into an attachment, or refuses it), {@code Title}, {@code Priority} 1-5, {@code Tags},
 *         {@code Markdown: yes}, {@code Click} for the link; a title that is not plain ASCII is RFC 2047 encoded,
 *         which ntfy decodes; {@code Authorization: Bearer <token>} or basic.</li>
 *     <li>Gotify ({@code POST /message}): JSON {@code title}, {@code message}, {@code priority} 0-10 and
 *         {@code extras}: {@code client::display} {@code contentType: text/markdown},
 *         {@code client::notification} {@code click.url}; the application token in {@code X-Gotify-Key} (not in the
 *         URL, where proxies log it).</li>
 *     <li>JSON: HAIA's own body (docs/watching.md), with the target's headers and basic credentials.</li>
 * </ul>
 *
 * @param headers header name to value
 * @param body    the body's bytes
 */
public record Delivery(Map<String, String> headers, byte[] body) {

    /** ntfy's message size limit (its default {@code message-size-limit}). */
    static final int NTFY_MAX_BYTES = 4096;
    private static final JsonFactory JSON = Jackson.factory();

    public static Delivery of(NotifyTarget target, Notification message) {
        Map<String, String> headers = new LinkedHashMap<>();
        target.token().ifPresent(token -> headers.put(target.kind() == NotifyTarget.Kind.GOTIFY ? "X-Gotify-Key"
                : "Authorization", target.kind() == NotifyTarget.Kind.GOTIFY ? token.reveal()
                : "Bearer " + token.reveal()));
        target.basic().ifPresent(basic -> headers.put("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                (basic.user() + ":" + basic.password().reveal()).getBytes(StandardCharsets.UTF_8))));
        target.headers().forEach((name, value) -> headers.put(name, value.reveal()));
        return switch (target.kind()) {
            case NTFY -> ntfy(headers, message);
            case GOTIFY -> gotify(headers, message, target);
            case JSON -> json(headers, message);
        };
    }

    private static Delivery ntfy(Map<String, String> headers, Notification message) {
        headers.put("Content-Type", "text/plain; charset=utf-8");
        headers.put("Title", headerValue(message.title()));
        headers.put("Priority", Integer.toString(message.ntfyPriority()));
        headers.put("Tags", message.ntfyTags());
        headers.put("Markdown", "yes");
        message.link().ifPresent(link -> headers.put("Click", link.toString()));
        return new Delivery(headers, cut(message.markdown(), NTFY_MAX_BYTES));
    }

    private static Delivery gotify(Map<String, String> headers, Notification message, NotifyTarget target) {
        headers.put("Content-Type", "application/json");
        byte[] body = Jackson.write(JSON, 512 + message.markdown().length(), g -> {
            g.writeStartObject();
            g.writeStringField("title", message.title());
            g.writeStringField("message", message.markdown());
            g.writeNumberField("priority", target.priority().orElse(message.gotifyPriority()));
            g.writeObjectFieldStart("extras");
            g.writeObjectFieldStart("client::display");
            g.writeStringField("contentType", "text/markdown");
            g.writeEndObject();
            if (message.link().isPresent()) {
                g.writeObjectFieldStart("client::notification");
                g.writeObjectFieldStart("click");
                g.writeStringField("url", message.link().get().toString());
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeEndObject();
        });
        return new Delivery(headers, body);
    }

    private static Delivery json(Map<String, String> headers, Notification message) {
        headers.put("Content-Type", "application/json");
        byte[] body = Jackson.write(JSON, 1024 + message.markdown().length(), g -> {
            g.writeStartObject();
            g.writeStringField("event", message.opened() ? "opened" : "resolved");
            g.writeStringField("title", message.title());
            g.writeStringField("severity", message.severity().dbValue());
            g.writeStringField("message", message.markdown());
            if (message.link().isPresent()) {
                g.writeStringField("url", message.link().get().toString());
            } else {
                g.writeNullField("url");
            }
            g.writeArrayFieldStart("findings");
            for (Finding f : message.findings()) {
                g.writeStartObject();
                FindingJson.fields(g, f);
                if (f.resolvedAt().isPresent()) {
                    g.writeStringField("resolved_at", f.resolvedAt().get().toString());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
        return new Delivery(headers, body);
    }

    /**
     * A header value as it can travel: printable ASCII as it is; anything else (an umlaut, an emoji, a control
     * character from an alert label) as one RFC 2047 encoded word of UTF-8, which ntfy decodes (never a raw line
     * break that would end the header).
     */
    static String headerValue(String text) {
        boolean plain = text.chars().allMatch(c -> c >= 0x20 && c < 0x7f) && !text.contains("=?");
        return plain ? text : "=?UTF-8?B?" + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8))
                + "?=";
    }

    /** The text's UTF-8 bytes, cut on a character boundary to at most {@code max} bytes with an ellipsis. */
    static byte[] cut(String text, int max) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= max) {
            return bytes;
        }
        byte[] ellipsis = "\n…".getBytes(StandardCharsets.UTF_8);
        int end = max - ellipsis.length;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--;   // never split a multi-byte character
        }
        byte[] out = new byte[end + ellipsis.length];
        System.arraycopy(bytes, 0, out, 0, end);
        System.arraycopy(ellipsis, 0, out, end, ellipsis.length);
        return out;
    }
}
