package haia.chat;

import java.util.ArrayList;
import java.util.List;

import haia.llm.LlmMessage;
import haia.llm.ModelTokens;
import haia.llm.Part;
import haia.llm.TokenEstimate;

/**
 * The window within a token budget ({@code HAIA_CONTEXT_TOKENS}, or a model's {@code context-tokens}), estimated the
 * cheap way ({@link TokenEstimate}: characters / 4), so one huge paste cannot push every later request of its
 * conversation past the model's context or the user's wallet:
 * <ol>
 *     <li>an earlier message longer than a quarter of the budget is shortened, in this request only (the store keeps
 *         it whole): its head and its tail stay, with a visible marker in between saying how much was left out;</li>
 *     <li>then, while the request is still over the budget, the oldest turns are dropped, whole (a window still
 *         starts with something the user said, and a tool call still travels with its result);</li>
 *     <li>the current turn is never cut: when it alone (with the system prompt and tools) is over the budget the
 *         request is refused with a 400 that says so, and nothing is stored.</li>
 * </ol>
 * Shortening is the same for the same message every time, so a shortened message does not disturb a cached prefix.
 */
final class TokenBudget {

    /** The part of the budget one earlier message may take. */
    static final int SHARE = 4;

    private TokenBudget() {
    }

    /**
     * A default budget from the model's context size: a quarter of it (the rest is room for the reply and for the
     * estimate being off), at most 50,000 tokens (a request that size costs a few cents on a small model). Context
     * sizes by model name: Claude 200,000; Gemini 1,000,000; GPT-4.1 1,000,000, GPT-5 400,000, other OpenAI models
     * 128,000; anything else (local models) is taken as 32,000.
     */
    static int defaultBudget(String upstreamModel) {
        String model = upstreamModel.toLowerCase(java.util.Locale.ROOT);
        long context;
        if (model.startsWith("claude") || model.startsWith("anthropic")) {
            context = 200_000;
        } else if (model.startsWith("gemini") || model.startsWith("gpt-4.1")) {
            context = 1_000_000;
        } else if (model.startsWith("gpt-5")) {
            context = 400_000;
        } else if (model.startsWith("gpt-") || model.matches("o\\d.*")) {
            context = 128_000;
        } else {
            context = 32_000;
        }
        return (int) Math.min(50_000, context / 4);
    }

    /**
     * A request's budget in the model's tokens, and how HAIA's estimate (characters / 4) converts to them.
     *
     * @param tokens    what the request's prompt may take
     * @param scale     the model's tokens per estimated token ({@link ModelTokens}: 1 until learned)
     * @param maxTokens the reply's token limit to send with it
     * @param source    where the budget comes from, for the message that refuses a turn too long for it
     */
    record Budget(int tokens, double scale, int maxTokens, String source) {

        /** The budget in HAIA's estimate (characters / 4). */
        int estimated() {
            return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (long) (tokens / scale)));
        }

        /**
         * The budget for a model: the configured one ({@code HAIA_CONTEXT_TOKENS}, the model's
         * {@code context-tokens}, or the default from its context size) and, when the model's real context is known,
         * within it: the context less room for the reply (the reply's limit, at most a quarter of the context, which
         * the reply's limit is then capped to: servers that count the reply's limit against the context, such as
         * vLLM, refuse a request whose limit does not fit).
         */
        static Budget of(int configured, int maxTokens, ModelTokens.Measure measure) {
            if (measure.context().isEmpty()) {
                return new Budget(configured, measure.scale(), maxTokens, "HAIA_CONTEXT_TOKENS, or the model's"
                        + " context-tokens");
            }
            int context = measure.context().getAsInt();
            int reply = Math.max(1, Math.min(maxTokens, context / 4));
            int room = Math.max(1, context - reply);
            return room < configured
                    ? new Budget(room, measure.scale(), reply, "the model's context of " + thousands(context)
                            + " tokens, less " + thousands(reply) + " for the reply")
                    : new Budget(configured, measure.scale(), reply, "HAIA_CONTEXT_TOKENS, or the model's"
                            + " context-tokens");
        }
    }

    /**
     * The window within {@code budget} estimated tokens (characters / 4), {@code fixed} of which the system prompt
     * and tools take.
     *
     * @throws RequestRefused when the current turn alone does not fit
     */
    static List<LlmMessage> fit(List<LlmMessage> window, long fixed, int budget, String model) {
        return fit(window, fixed, new Budget(budget, 1, 1, "HAIA_CONTEXT_TOKENS, or the model's context-tokens"),
                   model);
    }

    /**
     * The window within {@code budget}, {@code fixed} estimated tokens of which the system prompt and tools take.
     *
     * @throws RequestRefused when the current turn alone does not fit
     */
    static List<LlmMessage> fit(List<LlmMessage> window, long fixed, Budget budgeted, String model) {
        int budget = budgeted.estimated();
        int turn = currentTurnStart(window);
        long current = fixed + TokenEstimate.ofMessages(window.subList(turn, window.size()));
        if (current > budget) {
            throw new RequestRefused("messages", "The message is too long for model '" + model + "': about "
                    + thousands((long) Math.ceil(current * budgeted.scale())) + " tokens with the system prompt ("
                    + (budgeted.scale() == 1 ? "estimated as characters / 4"
                            : String.format(java.util.Locale.ROOT, "at the %.2f tokens per character HAIA learned of"
                                    + " this model", budgeted.scale() / 4))
                    + "), and a request may take at most " + thousands(budgeted.tokens()) + " (" + budgeted.source()
                    + "). Shorten it, or send it in parts; nothing was stored.");
        }
        int cap = Math.max(1, budget / SHARE);
        List<LlmMessage> fitted = new ArrayList<>(window.size());
        for (int i = 0; i < window.size(); i++) {
            LlmMessage message = window.get(i);
            fitted.add(i < turn && TokenEstimate.of(message) > cap ? shortened(message, cap) : message);
        }
        long total = fixed + TokenEstimate.ofMessages(fitted);
        int start = 0;
        while (total > budget) {
            int next = start + 1;
            while (next < turn && !ContextWindow.opensATurn(fitted.get(next))) {
                next++;
            }
            if (next > turn) {
                break;
            }
            total -= TokenEstimate.ofMessages(fitted.subList(start, next));
            start = next;
        }
        return start == 0 ? fitted : List.copyOf(fitted.subList(start, fitted.size()));
    }

    /** Where the current turn starts: the last user message that answers no tool call. */
    static int currentTurnStart(List<LlmMessage> window) {
        for (int i = window.size() - 1; i >= 0; i--) {
            if (ContextWindow.opensATurn(window.get(i))) {
                return i;
            }
        }
        return 0;
    }

    /** The message with each text longer than {@code cap} tokens cut to its head and tail around a marker. */
    static LlmMessage shortened(LlmMessage message, int cap) {
        List<Part> parts = new ArrayList<>(message.parts().size());
        for (Part part : message.parts()) {
            parts.add(switch (part) {
                case Part.Text text -> new Part.Text(shortened(text.text(), cap));
                case Part.ToolResult result -> new Part.ToolResult(result.callId(), result.toolName(), result.content()
                        .stream().map(p -> p instanceof Part.Text t ? new Part.Text(shortened(t.text(), cap)) : p)
                        .toList(), result.error());
                default -> part;
            });
        }
        return new LlmMessage(message.role(), parts);
    }

    static String thousands(long value) {
        return String.format(java.util.Locale.ROOT, "%,d", value);
    }

    static String shortened(String text, int cap) {
        if (TokenEstimate.of(text) <= cap) {
            return text;
        }
        // the marker's ~200 characters come out of the same allowance
        return headAndTail(text, Math.max(2, cap * 4 - 200), "\n\n[... %s characters left out here by HAIA to keep the"
                + " request within its token budget; the whole message is stored ...]\n\n");
    }

    /**
     * {@code text} as its first and last {@code keep / 2} characters around {@code marker}, whose first {@code %s}
     * says how many characters were left out (never splitting a surrogate pair); whole when it is no longer than
     * {@code keep}.
     */
    static String headAndTail(String text, int keep, String marker) {
        if (text.length() <= keep) {
            return text;
        }
        int half = Math.max(1, keep / 2);
        int head = half;
        int tail = text.length() - half;
        if (Character.isHighSurrogate(text.charAt(head - 1))) {
            head--;
        }
        if (Character.isLowSurrogate(text.charAt(tail))) {
            tail++;
        }
        // the first %s is the count (a document's name later in the marker may hold one of its own)
        return text.substring(0, head) + marker.replaceFirst("%s", thousands(tail - head)) + text.substring(tail);
    }
}
