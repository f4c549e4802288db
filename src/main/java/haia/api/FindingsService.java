package haia.api;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;

import haia.json.Jackson;
import haia.openai.InvalidRequestException;
import haia.store.Finding;
import haia.store.FindingJson;
import haia.store.FindingStore;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * What HAIA's watch found, under {@code /v1}:
 * <pre>
 * GET /findings?status=firing|resolved&amp;limit=   most recently seen first (limit 1-500, default 50)
 * GET /findings/{id}                              one, with the alert as received and its investigation's answer
 * </pre>
 */
final class FindingsService implements HttpService {

    private static final JsonFactory JSON = Jackson.factory();
    private static final ObjectMapper DETAIL = new ObjectMapper();
    private static final int MAX_LIMIT = 500;

    private final FindingStore store;

    FindingsService(FindingStore store) {
        this.store = store;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/findings", this::list)
                .get("/findings/{id}", this::one);
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParams.onlyKnown(req, "/v1/findings", Set.of("status", "limit"));
        Optional<Boolean> firing = QueryParams.single(req, "status").map(status -> switch (status) {
            case "firing" -> true;
            case "resolved" -> false;
            default -> throw new InvalidRequestException("status must be firing or resolved, got '"
                                                                 + QueryParams.abbreviate(status) + "'", "status");
        });
        int limit = QueryParams.single(req, "limit").map(FindingsService::limit).orElse(50);
        List<Finding> findings = store.list(firing, limit);
        Responses.json(res, 200, Jackson.write(JSON, 256 + findings.size() * 512, g -> {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (Finding f : findings) {
                g.writeStartObject();
                fields(g, f);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }));
    }

    private void one(ServerRequest req, ServerResponse res) {
        QueryParams.onlyKnown(req, "/v1/findings/{id}", Set.of());
        String raw = req.path().pathParameters().get("id");
        Optional<Finding> finding = raw.matches("\\d{1,18}") ? store.get(Long.parseLong(raw)) : Optional.empty();
        if (finding.isEmpty()) {
            throw new InvalidRequestException(404, "No finding with id '" + QueryParams.abbreviate(raw)
                    + "' (GET /v1/findings lists them)", Optional.of("id"), "finding_not_found");
        }
        Finding f = finding.get();
        Optional<String> answer = f.investigationId().isPresent()
                ? store.answer(f.investigationId().getAsLong()) : Optional.empty();
        Responses.json(res, 200, Jackson.write(JSON, 1024 + f.detail().length() + answer.map(String::length).orElse(0),
                                                g -> {
            g.writeStartObject();
            fields(g, f);
            g.writeFieldName("detail");
            DETAIL.writeTree(g, DETAIL.readTree(f.detail()));
            g.writeFieldName("investigation");
            if (f.investigationId().isPresent()) {
                g.writeStartObject();
                g.writeNumberField("id", f.investigationId().getAsLong());
                nullable(g, "answer", answer);
                g.writeEndObject();
            } else {
                g.writeNull();
            }
            g.writeEndObject();
        }));
    }

    /** The fields of a finding in a list (as the issue names them), and when it resolved. */
    private static void fields(JsonGenerator g, Finding f) throws IOException {
        g.writeStringField("object", "finding");
        FindingJson.fields(g, f);
        nullable(g, "resolved_at", f.resolvedAt().map(Instant::toString));
        nullable(g, "summary", f.summary());
    }

    private static void nullable(JsonGenerator g, String name, Optional<String> value) throws IOException {
        if (value.isPresent()) {
            g.writeStringField(name, value.get());
        } else {
            g.writeNullField(name);
        }
    }

    private static int limit(String raw) {
        if (raw.matches("\\d{1,4}")) {
            int limit = Integer.parseInt(raw);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        }
        throw new InvalidRequestException("limit must be a whole number from 1 to " + MAX_LIMIT + ", got '"
                                                  + QueryParams.abbreviate(raw) + "'", "limit");
    }
}
