package haia.store;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonGenerator;

/**
 * A finding's fields as JSON, the same wherever HAIA shows one: in {@code GET /v1/findings} and in the {@code json://}
 * notification body (docs/watching.md "The user told"). Callers add what only they show (the API's {@code summary}).
 */
public final class FindingJson {

    private FindingJson() {
    }

    /** {@code id}, {@code fingerprint}, {@code source}, {@code title}, {@code severity}, {@code status}, the times. */
    public static void fields(JsonGenerator g, Finding f) throws IOException {
        g.writeNumberField("id", f.id());
        g.writeStringField("fingerprint", f.fingerprint());
        g.writeStringField("source", f.source());
        g.writeStringField("title", f.title());
        g.writeStringField("severity", f.severity().dbValue());
        g.writeStringField("status", f.status());
        g.writeStringField("first_seen", f.firstSeen().toString());
        g.writeStringField("last_seen", f.lastSeen().toString());
    }
}
