package haia.observe;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import haia.config.HaiaConfig;
import haia.config.Secret;
import haia.config.ToolsConfig;

/**
 * Removes configured secrets from text. Applied where upstream text enters HAIA ({@code haia.llm.SanitizedLlmClient}:
 * an upstream may echo the key it was sent, in an error, a header or a reply), so nothing downstream (the database,
 * logs, metrics, responses) ever holds one; and again on error bodies and log details as a last line of defence.
 */
public final class Redactor {

    private static final String MASK = "****";

    private final List<String> secrets;
    private final int longest;

    public Redactor(List<Secret> secrets) {
        List<String> values = new ArrayList<>();
        secrets.forEach(s -> values.add(s.reveal()));
        values.removeIf(s -> s.length() < 4);
        values.sort(Comparator.comparingInt(String::length).reversed());   // longest first: no partial leftovers
        this.secrets = List.copyOf(values);
        this.longest = values.isEmpty() ? 0 : values.getFirst().length();
    }

    public static Redactor of(HaiaConfig config) {
        List<Secret> secrets = new ArrayList<>();
        config.security().apiKey().ifPresent(secrets::add);
        config.security().openWebUiJwtSecret().ifPresent(secrets::add);
        config.providers().values().forEach(p -> p.apiKey().ifPresent(secrets::add));
        config.store().server().flatMap(HaiaConfig.Store.Server::password).ifPresent(secrets::add);
        secrets.addAll(toolSecrets(config.tools()));
        secrets.addAll(config.watch().secrets());
        return new Redactor(secrets);
    }

    /**
     * The Proxmox token (whole, and its secret part alone, which Proxmox could echo without the id) and the values
     * of MCP servers' environment variables and headers.
     */
    private static List<Secret> toolSecrets(ToolsConfig tools) {
        List<Secret> secrets = new ArrayList<>();
        tools.proxmox().ifPresent(p -> {
            secrets.add(p.token());
            String token = p.token().reveal();
            secrets.add(new Secret(token.substring(token.indexOf('=') + 1)));
        });
        for (ToolsConfig.McpServer server : tools.mcpServers()) {
            switch (server.transport()) {
                case ToolsConfig.McpTransport.Stdio stdio -> secrets.addAll(stdio.env().values());
                case ToolsConfig.McpTransport.Http http -> secrets.addAll(http.headers().values());
            }
        }
        return secrets;
    }

    public String redact(String text) {
        if (text == null) {
            return null;
        }
        String result = text;
        for (String secret : secrets) {
            if (result.contains(secret)) {
                result = result.replace(secret, MASK);
            }
        }
        return result;
    }

    /** Redaction for text that arrives in pieces (a streamed reply): a secret split across pieces is caught too. */
    public Pieces pieces() {
        return new Pieces();
    }

    /**
     * One stream's redaction. Each piece comes out redacted at once, except for a tail that could be the start of a
     * secret: that waits for the next piece. Almost always nothing waits; when something does, it is at most one
     * secret's length less one.
     */
    public final class Pieces {

        private String held = "";

        /** The text that can go out now. */
        public String feed(String piece) {
            String text = redact(held + piece);
            int keep = secretStartAtEnd(text);
            held = text.substring(text.length() - keep);
            return text.substring(0, text.length() - keep);
        }

        /** Whatever was held back: the stream ended, so it is no secret's start any more. */
        public String flush() {
            String rest = held;
            held = "";
            return rest;
        }
    }

    /** Length of the longest end of {@code text} that is the beginning of a secret (not a whole one). */
    private int secretStartAtEnd(String text) {
        int from = Math.max(0, text.length() - (longest - 1));
        for (int start = from; start < text.length(); start++) {
            int length = text.length() - start;
            for (String secret : secrets) {
                if (length < secret.length() && text.regionMatches(start, secret, 0, length)) {
                    return length;
                }
            }
        }
        return 0;
    }
}
