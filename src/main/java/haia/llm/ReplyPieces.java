package haia.llm;

/**
 * Where a provider's reply goes piece by piece, as its mapping reads it: into a blocking reply's parts
 * ({@link ReplyParts}) or into a stream ({@link StreamedReply}, which also reports each piece at once). A mapping
 * that reads a message the same way in both writes it once, against this.
 */
public interface ReplyPieces {

    void text(String piece);

    void thinking(String piece);

    /** The signature of the thinking so far, kept for the provider (never shown). */
    void signature(String signature);

    /** Reasoning the provider sent encrypted. */
    void redactedThinking(String data);

    /** A tool call starts. @return its index among the reply's calls, for {@link #toolArguments} */
    int toolCall(String id, String name);

    void toolArguments(int index, String piece);
}
