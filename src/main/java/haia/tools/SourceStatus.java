package haia.tools;

/**
 * A tool source's state for {@code /health}.
 *
 * @param state  built-in sources: {@code ready} (configured, not contacted yet), then {@code up} or {@code down} as
 *               their last contact showed ({@link Contact}); MCP servers: {@code connecting}, {@code connected}
 *               or {@code down}
 * @param detail kind and address (and for a down server, why), never a secret
 */
public record SourceStatus(String state, String detail) {
}
