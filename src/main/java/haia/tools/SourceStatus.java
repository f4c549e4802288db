package haia.tools;

/**
 * A tool source's state for {@code /health}.
 *
 * @param state  {@code ready} (built-in sources: configured; a call tells whether the host answers),
 *               {@code connecting}, {@code connected} or {@code down} (MCP servers)
 * @param detail kind and address (and for a down server, why), never a secret
 */
public record SourceStatus(String state, String detail) {
}
