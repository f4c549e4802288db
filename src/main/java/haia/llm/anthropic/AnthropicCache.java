package haia.llm.anthropic;

import java.util.ArrayList;
import java.util.List;

import haia.llm.LlmRequest;
import haia.llm.TokenEstimate;

/**
 * Where a request's prompt-cache breakpoints ({@code cache_control}) go, at most {@value #MAX} (Anthropic's limit).
 * The render order is tools, system, messages, and a breakpoint caches everything before it, so they mark the parts
 * that stay the same from one request to the next:
 * <ol>
 *     <li>the last tool definition (the tools change only when the client's tools do);</li>
 *     <li>the last system block (the persona, and the client's system text);</li>
 *     <li>the message just before the current turn: the prefix every request of this turn shares (a tool loop adds
 *         blocks after it, possibly more than Anthropic's 20-block lookback);</li>
 *     <li>the last message, whose prefix the next turn reads back: HAIA's window moves in blocks
 *         ({@code HAIA_CONTEXT_WINDOW_STEP}), so its start stays put for several turns.</li>
 * </ol>
 * A breakpoint whose prefix is estimated below the model's minimum cacheable length is left out: Anthropic would
 * neither read nor write it. Every breakpoint is the default 5-minute TTL, refreshed by each hit; a troubleshooting
 * session asks again within minutes, and the 1-hour TTL costs twice the input price to write instead of 1.25 times.
 */
final class AnthropicCache {

    static final int MAX = 4;

    /**
     * Where the breakpoints are; {@code message} indexes are into the request's messages.
     *
     * @param tools    on the last tool
     * @param system   on the last system block
     * @param messages on these messages' last block, ascending
     */
    record Breakpoints(boolean tools, boolean system, List<Integer> messages) {
        static final Breakpoints NONE = new Breakpoints(false, false, List.of());

        boolean message(int index) {
            return messages.contains(index);
        }
    }

    private AnthropicCache() {
    }

    /**
     * The minimum cacheable prompt length of a Claude model, in tokens. <b>Unverified</b>: from third-party copies of
     * Anthropic's docs (../shared/notes/wire-formats.md §1.3): 4,096 for Haiku 4.5 and Opus 4.5 and later, 2,048 for
     * Haiku 3 and 3.5, 1,024 for the others (Sonnet 4.6: sources say 1,024 or 2,048; the lower one is used, since a
     * breakpoint below the minimum costs nothing).
     */
    static int minimumTokens(String model) {
        if (model.startsWith("claude-haiku-4-5") || model.startsWith("claude-opus-4-5")
                || model.startsWith("claude-opus-4-6") || model.startsWith("claude-opus-4-7")) {
            return 4096;
        }
        if (model.startsWith("claude-3-5-haiku") || model.startsWith("claude-3-haiku")) {
            return 2048;
        }
        return 1024;
    }

    static Breakpoints of(LlmRequest request, boolean toolsSent) {
        if (!request.cachePrefix()) {
            return Breakpoints.NONE;
        }
        int minimum = minimumTokens(request.model());
        long prefix = toolsSent ? TokenEstimate.ofTools(request.tools()) : 0;
        boolean tools = toolsSent && !request.tools().tools().isEmpty() && prefix >= minimum;
        prefix += TokenEstimate.ofSystem(request.system());
        boolean system = !request.system().isEmpty() && prefix >= minimum;
        int last = request.messages().size() - 1;
        int turn = request.currentTurnStart() - 1;
        List<Integer> messages = new ArrayList<>(2);
        for (int i = 0; i <= last; i++) {
            prefix += TokenEstimate.of(request.messages().get(i));
            if ((i == turn || i == last) && prefix >= minimum) {
                messages.add(i);
            }
        }
        return new Breakpoints(tools, system, List.copyOf(messages));
    }
}
