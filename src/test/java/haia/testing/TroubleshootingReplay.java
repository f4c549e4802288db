package haia.testing;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A 30-turn troubleshooting session replayed through the real HAIA against {@link FakeAnthropic}, which bills the
 * prompt the way Anthropic's prompt cache does ({@link PromptCacheAccounting}): one stored conversation on
 * Claude Haiku 4.5 (the default model, minimum cacheable prompt 4,096 tokens), the shipped persona, each turn a
 * question with 20 to 59 lines of command output pasted (about 1,000 to 3,000 tokens), each answer about 250
 * tokens, turns a few seconds apart (well within the cache's 5-minute TTL). Used by {@code PromptCacheReplayTest}
 * (at least 60 % of all input tokens read from the cache, about 0 % with {@code HAIA_PROMPT_CACHE=off}) and by
 * {@code bin/bench cache}, which prints both figures; played through the Responses API too.
 */
public final class TroubleshootingReplay implements AutoCloseable {

    public static final int TURNS = 30;
    private static final String CONVERSATION = "replay-pve-cluster";

    /** What the fake billed over the whole session. */
    public record Figures(int turns, long inputTokens, long cacheReadTokens, long cacheWriteTokens,
                          long largestRequest) {
        public double readShare() {
            return inputTokens == 0 ? 0 : (double) cacheReadTokens / inputTokens;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%d turns, %,d input tokens, %,d read from the cache (%.1f %%),"
                    + " %,d written to it, largest request %,d tokens", turns, inputTokens, cacheReadTokens,
                                 100 * readShare(), cacheWriteTokens, largestRequest);
        }
    }

    private final FakeAnthropic anthropic;
    private final PromptCacheAccounting accounting;
    private final TestHaia haia;
    private long largest;
    private int played;

    private TroubleshootingReplay(FakeAnthropic anthropic, PromptCacheAccounting accounting, TestHaia haia) {
        this.anthropic = anthropic;
        this.accounting = accounting;
        this.haia = haia;
    }

    /** HAIA on SQLite in {@code dir}, with its prompt cache on or off, in front of a caching fake. */
    public static TroubleshootingReplay start(Path dir, boolean promptCache, Map<String, String> extraEnv) {
        FakeAnthropic anthropic = FakeAnthropic.start();
        try {
            PromptCacheAccounting accounting = anthropic.accountCaching(Clock.systemUTC());
            anthropic.respondWith(TroubleshootingReplay::answer);
            Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
            env.put("HAIA_PROMPT_CACHE", promptCache ? "on" : "off");
            env.putAll(extraEnv);
            return new TroubleshootingReplay(anthropic, accounting, TestHaia.start(dir, env));
        } catch (RuntimeException e) {
            anthropic.close();
            throw e;
        }
    }

    /** Plays every turn as a chat completion of one conversation, in order; each must be answered. */
    public Figures play() {
        for (int turn = 1; turn <= TURNS; turn++) {
            ObjectNode body = Http.chat("haia", question(turn));
            answered(turn, Http.post(haia.uri("/v1/chat/completions"), body,
                                     Map.of("X-Haia-Conversation", CONVERSATION)));
        }
        return played();
    }

    /**
     * Plays every turn through the Responses API as a client that sends only the new input: each turn continues the
     * previous one with {@code previous_response_id}, so all the rest comes from HAIA's memory.
     */
    public Figures playResponses() {
        String previous = null;
        for (int turn = 1; turn <= TURNS; turn++) {
            ObjectNode body = Http.JSON.createObjectNode().put("model", "haia").put("input", question(turn));
            if (previous != null) {
                body.put("previous_response_id", previous);
            }
            previous = answered(turn, Http.post(haia.uri("/v1/responses"), body)).json().path("id").asText();
        }
        return played();
    }

    private Http.Response answered(int turn, Http.Response response) {
        if (response.status() != 200) {
            throw new IllegalStateException("turn " + turn + " got " + response.status() + ": " + response.body());
        }
        played++;
        return response;
    }

    private Figures played() {
        List<FakeAnthropic.Received> requests = anthropic.requests();
        for (FakeAnthropic.Received request : requests) {
            largest = Math.max(largest, PromptCacheAccounting.estimate(request.body()));
        }
        if (!anthropic.violations().isEmpty()) {
            throw new IllegalStateException("the fake saw invalid requests: " + anthropic.violations());
        }
        return figures();
    }

    public Figures figures() {
        return new Figures(played, accounting.totalInput(), accounting.totalRead(), accounting.totalWritten(),
                           largest);
    }

    public TestHaia haia() {
        return haia;
    }

    public FakeAnthropic anthropic() {
        return anthropic;
    }

    /** Output tokens the fake billed: each answer's estimate, as {@link #answer} scripts it. */
    public long outputTokens() {
        return anthropic.requests().stream().mapToLong(r -> PromptCacheAccounting.tokens(answerText(r))).sum();
    }

    @Override
    public void close() {
        try {
            haia.close();
        } finally {
            anthropic.close();
        }
    }

    /** The user's turn: a question and the output of the command it is about. */
    static String question(int turn) {
        String[] commands = {"pvecm status", "journalctl -u corosync -n 60", "journalctl -u pve-cluster -n 60",
                             "corosync-cfgtool -s", "ip -br addr", "ping -c 20 10.0.0.12", "systemctl status pveproxy",
                             "cat /etc/pve/corosync.conf", "df -h", "zpool status rpool"};
        String command = commands[turn % commands.length];
        StringBuilder text = new StringBuilder("Turn ").append(turn).append(": here is `").append(command)
                .append("` on pve2, what do you make of it?\n```\n");
        int lines = 20 + (turn * 7) % 40;
        for (int line = 0; line < lines; line++) {
            text.append(String.format(java.util.Locale.ROOT,
                    "Nov 25 08:%02d:%02d pve2 corosync[%d]:   [KNET  ] link: host: %d link: 0 is down (turn %d, line %d)%n",
                    turn % 60, line % 60, 1200 + turn, 1 + line % 3, turn, line));
        }
        return text.append("```").toString();
    }

    private static String answerText(FakeAnthropic.Received request) {
        String question = request.lastUserText();
        int turn = question.startsWith("Turn ") ? Integer.parseInt(question.substring(5, question.indexOf(':')))
                : 0;
        return ("Answer " + turn + ": the KNET link to host 1 flaps, so corosync loses quorum each time it drops."
                + " Check the switch port and the MTU on vmbr1, compare `corosync-cfgtool -s` on both nodes, and"
                + " look for 'retransmit list' lines before the drop. ").repeat(4);
    }

    /** The fake's answer: a fixed-size reply for the turn, billed at its estimated length. */
    static FakeAnthropic.Behaviour answer(FakeAnthropic.Received request) {
        String text = answerText(request);
        return new FakeAnthropic.Behaviour.Reply(List.of(text), "end_turn", 0, PromptCacheAccounting.tokens(text),
                                                 Duration.ZERO);
    }
}
