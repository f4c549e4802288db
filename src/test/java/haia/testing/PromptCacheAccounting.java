package haia.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Anthropic's prompt cache as the fake bills it (../shared/notes/wire-formats.md §1.3, tools.md "Caching"): a request
 * is a sequence of blocks in render order (tools, then system blocks, then each message's content blocks; a string
 * content is one text block); a block carrying {@code cache_control} is a breakpoint; the cache is keyed by the exact
 * prefix (model and every block up to and including the breakpoint, {@code cache_control} itself left out).
 * <ul>
 *     <li>At most 4 breakpoints: more is the API's 400.</li>
 *     <li>At each breakpoint, a hit is looked for at the breakpoint and at up to 20 block boundaries before it; the
 *         longest hit of the request is read ({@code cache_read_input_tokens}).</li>
 *     <li>Every breakpoint whose prefix reaches the model's minimum cacheable length is written (or refreshed); the
 *         tokens from the end of the hit up to the last such breakpoint are billed as written
 *         ({@code cache_creation_input_tokens}); the rest is {@code input_tokens}.</li>
 *     <li>An entry lives 5 minutes after it was last written or read ({@code "ttl": "1h"}: an hour).</li>
 *     <li>A prefix shorter than the model's minimum is neither read nor written (no error).</li>
 * </ul>
 * Tokens are counted the fake's way: a block's characters (its text, or its JSON for anything else) divided by 4,
 * rounded up; an image counts 1,600. Minimum lengths: 4,096 for Haiku 4.5 and Opus 4.5+, 2,048 for Haiku 3.x,
 * 1,024 otherwise, from third-party copies of the docs, unverified (wire-formats.md §1.3).
 */
public final class PromptCacheAccounting {

    /** How many block boundaries before a breakpoint are checked for a hit. */
    static final int LOOKBACK = 20;
    static final int MAX_BREAKPOINTS = 4;

    /** What one request billed, in Anthropic's terms: {@code input} is the uncached part only. */
    public record Billing(int input, int cacheRead, int cacheWrite) {
        public int total() {
            return input + cacheRead + cacheWrite;
        }
    }

    private record Block(String key, int tokens, Optional<Duration> ttl) {
    }

    private record Entry(int tokens, Instant expires) {
    }

    private final Clock clock;
    private final Map<String, Entry> cache = new HashMap<>();
    private long input;
    private long read;
    private long written;

    public PromptCacheAccounting(Clock clock) {
        this.clock = clock;
    }

    /** The model's minimum cacheable prompt length, in tokens (unverified, see the class comment). */
    public static int minimumTokens(String model) {
        if (model.startsWith("claude-haiku-4-5") || model.startsWith("claude-opus-4-5")
                || model.startsWith("claude-opus-4-6") || model.startsWith("claude-opus-4-7")) {
            return 4096;
        }
        if (model.startsWith("claude-3-5-haiku") || model.startsWith("claude-3-haiku")) {
            return 2048;
        }
        return 1024;
    }

    /** The problem the API answers with a 400, if any: too many breakpoints, an unknown TTL. */
    public static Optional<String> problem(JsonNode body) {
        int breakpoints = 0;
        for (JsonNode control : controls(body)) {
            breakpoints++;
            if (!"ephemeral".equals(control.path("type").asText())) {
                return Optional.of("cache_control.type: Input should be 'ephemeral'");
            }
            if (control.has("ttl") && !List.of("5m", "1h").contains(control.path("ttl").asText())) {
                return Optional.of("cache_control.ttl: Input should be '5m' or '1h'");
            }
        }
        if (breakpoints > MAX_BREAKPOINTS) {
            return Optional.of("A maximum of 4 blocks with cache_control may be provided. Found " + breakpoints + ".");
        }
        return Optional.empty();
    }

    private static List<JsonNode> controls(JsonNode body) {
        List<JsonNode> controls = new ArrayList<>();
        body.path("tools").forEach(t -> add(controls, t));
        body.path("system").forEach(s -> add(controls, s));
        for (JsonNode message : body.path("messages")) {
            message.path("content").forEach(b -> add(controls, b));
        }
        return controls;
    }

    private static void add(List<JsonNode> controls, JsonNode block) {
        if (block.has("cache_control")) {
            controls.add(block.get("cache_control"));
        }
    }

    /** Bills a valid request (see {@link #problem}) and updates the cache. */
    public synchronized Billing bill(JsonNode body) {
        String model = body.path("model").asText();
        List<Block> blocks = blocks(body);
        int[] prefix = new int[blocks.size()];
        String[] keys = new String[blocks.size()];
        MessageDigest digest = sha256();
        digest.update(model.getBytes(StandardCharsets.UTF_8));
        int tokens = 0;
        for (int i = 0; i < blocks.size(); i++) {
            digest.update(blocks.get(i).key().getBytes(StandardCharsets.UTF_8));
            tokens += blocks.get(i).tokens();
            prefix[i] = tokens;
            keys[i] = HexFormat.of().formatHex(clone(digest).digest());
        }
        Instant now = clock.instant();
        cache.values().removeIf(e -> !e.expires().isAfter(now));
        int minimum = minimumTokens(model);
        int hit = 0;
        int hitAt = -1;
        int lastWritten = -1;
        for (int i = 0; i < blocks.size(); i++) {
            if (blocks.get(i).ttl().isEmpty() || prefix[i] < minimum) {
                continue;
            }
            for (int j = i; j >= Math.max(0, i - LOOKBACK); j--) {
                Entry entry = cache.get(keys[j]);
                if (entry != null && prefix[j] > hit) {
                    hit = prefix[j];
                    hitAt = j;
                }
            }
            lastWritten = i;
        }
        if (hitAt >= 0) {
            Entry entry = cache.get(keys[hitAt]);
            Duration ttl = blocks.get(hitAt).ttl().orElse(Duration.ofMinutes(5));
            cache.put(keys[hitAt], new Entry(entry.tokens(), later(entry.expires(), now.plus(ttl))));
        }
        for (int i = 0; i <= lastWritten; i++) {
            if (blocks.get(i).ttl().isPresent() && prefix[i] >= minimum) {
                Instant expires = now.plus(blocks.get(i).ttl().get());
                Entry old = cache.get(keys[i]);
                cache.put(keys[i], new Entry(prefix[i], old == null ? expires : later(old.expires(), expires)));
            }
        }
        int write = lastWritten >= 0 ? Math.max(0, prefix[lastWritten] - hit) : 0;
        Billing billing = new Billing(tokens - hit - write, hit, write);
        input += billing.input();
        read += billing.cacheRead();
        written += billing.cacheWrite();
        return billing;
    }

    /** All input tokens billed so far (uncached, read and written). */
    public synchronized long totalInput() {
        return input + read + written;
    }

    public synchronized long totalRead() {
        return read;
    }

    public synchronized long totalWritten() {
        return written;
    }

    /** The share of all input tokens read from the cache, 0 to 1. */
    public synchronized double readShare() {
        long total = totalInput();
        return total == 0 ? 0 : (double) read / total;
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /** The blocks in render order: tools, system, messages (a message's role is part of its first block's key). */
    private static List<Block> blocks(JsonNode body) {
        List<Block> blocks = new ArrayList<>();
        body.path("tools").forEach(tool -> blocks.add(block("tool", tool)));
        JsonNode system = body.path("system");
        if (system.isTextual()) {
            blocks.add(new Block("system:" + system.asText(), tokens(system.asText()), Optional.empty()));
        } else {
            system.forEach(b -> blocks.add(block("system", b)));
        }
        for (JsonNode message : body.path("messages")) {
            String role = message.path("role").asText();
            JsonNode content = message.path("content");
            if (content.isTextual()) {
                ObjectNode text = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("type", "text").put("text", content.asText());
                blocks.add(block(role, text));
            } else {
                boolean first = true;
                for (JsonNode b : content) {
                    blocks.add(block(first ? role : "", b));
                    first = false;
                }
            }
        }
        return blocks;
    }

    private static Block block(String opens, JsonNode block) {
        Optional<Duration> ttl = Optional.empty();
        JsonNode plain = block;
        if (block.has("cache_control")) {
            ttl = Optional.of("1h".equals(block.path("cache_control").path("ttl").asText())
                                      ? Duration.ofHours(1) : Duration.ofMinutes(5));
            plain = block.deepCopy();
            ((ObjectNode) plain).remove("cache_control");
        }
        String type = plain.path("type").asText();
        int tokens = switch (type) {
            case "text" -> tokens(plain.path("text").asText());
            case "image" -> 1600;
            default -> tokens(plain.toString());
        };
        return new Block("|" + opens + "|" + plain, tokens, ttl);
    }

    /** A request's prompt in the fake's tokens (what it bills as input, cache reads and writes included). */
    public static long estimate(JsonNode body) {
        return blocks(body).stream().mapToLong(Block::tokens).sum();
    }

    public static int tokens(String text) {
        return (text.length() + 3) / 4;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static MessageDigest clone(MessageDigest digest) {
        try {
            return (MessageDigest) digest.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }
}
