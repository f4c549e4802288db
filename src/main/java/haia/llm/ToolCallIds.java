package haia.llm;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Ids for tool calls whose provider gave none (Gemini, older Ollama): clients and later turns need an id to pair a
 * result with its call. {@code call_} plus 24 letters and digits, the shape OpenAI's own ids have.
 */
public final class ToolCallIds {

    private static final char[] CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private ToolCallIds() {
    }

    public static String next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] id = new char[24];
        for (int i = 0; i < id.length; i++) {
            id[i] = CHARS[random.nextInt(CHARS.length)];
        }
        return "call_" + new String(id);
    }
}
