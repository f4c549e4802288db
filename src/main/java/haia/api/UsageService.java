package haia.api;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import haia.json.Jackson;
import haia.openai.InvalidRequestException;
import haia.store.Ledger;
import haia.store.UsageGroup;
import haia.store.UsageTotals;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * What HAIA's model calls cost, from the usage ledger, under {@code /v1}:
 * <pre>
 * GET /usage?from=&amp;to=&amp;group_by=model|day|conversation
 * </pre>
 * {@code from} and {@code to} are ISO dates ({@code 2026-11-01}, whole days in UTC, both included), timestamps with
 * an offset ({@code 2026-11-01T08:00:00Z}, colons sent as {@code %3A}) or Unix seconds ({@code from} included,
 * {@code to} not); either may be left out. The
 * answer is one line per model, day (UTC) or conversation, with exact sums of the stored calls (cache reads and
 * writes are parts of the input tokens, reasoning a part of the output tokens); {@code estimated_requests} says how
 * many of them HAIA had to estimate (their provider reported no token counts).
 */
public final class UsageService implements HttpService {

    private static final JsonFactory JSON = Jackson.factory();
    private static final Set<String> PARAMETERS = Set.of("from", "to", "group_by");
    private static final Instant OPEN_END = Instant.ofEpochMilli(Long.MAX_VALUE);
    /**
     * Where four-digit years end (ISO 8601 writes later instants as {@code +10000-...}): a {@code to} from here on
     * ({@code to=9999-12-31} included) is no end at all, and a {@code from} from here on is refused.
     */
    static final Instant YEAR_10000 = Instant.parse("+10000-01-01T00:00:00Z");

    private final Ledger ledger;

    public UsageService(Ledger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/usage", this::usage);
    }

    private void usage(ServerRequest req, ServerResponse res) {
        QueryParams.onlyKnown(req, "/v1/usage", PARAMETERS);
        UsageGroup.By by = groupBy(QueryParams.single(req, "group_by").orElse("model"));
        Optional<Instant> from = QueryParams.single(req, "from").map(raw -> instant(raw, "from", false));
        if (from.isPresent() && !from.get().isBefore(YEAR_10000)) {
            throw new InvalidRequestException("from must be before the year 10000, got " + from.get(), "from");
        }
        // a to at or past the year 10000 is no end: answered (and echoed) as if it were left out
        Optional<Instant> to = QueryParams.single(req, "to").map(raw -> instant(raw, "to", true))
                .filter(end -> end.isBefore(YEAR_10000));
        if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
            throw new InvalidRequestException("from (" + from.get() + ") must be before to (" + to.get() + ")", "from");
        }
        List<UsageTotals> lines = ledger.usage(from.orElse(Instant.EPOCH), to.orElse(OPEN_END), by,
                                                 Caller.of(req).scope());
        Responses.json(res, 200, Jackson.write(JSON, 256 + lines.size() * 256, g -> {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeStringField("group_by", by.name().toLowerCase(Locale.ROOT));
            instantField(g, "from", from);
            instantField(g, "to", to);
            g.writeArrayFieldStart("data");
            for (UsageTotals line : lines) {
                line(g, line);
            }
            g.writeEndArray();
            g.writeEndObject();
        }));
    }

    private static void line(JsonGenerator g, UsageTotals line) throws java.io.IOException {
        g.writeStartObject();
        switch (line.group()) {
            case UsageGroup.Model model -> g.writeStringField("model", model.id());
            case UsageGroup.Day day -> g.writeStringField("day", day.date().toString());
            case UsageGroup.Conversation conversation -> {
                g.writeFieldName("conversation");
                if (conversation.id().isPresent()) {
                    g.writeNumber(conversation.id().getAsLong());
                } else {
                    g.writeNull();
                }
            }
        }
        g.writeNumberField("requests", line.requests());
        g.writeNumberField("input_tokens", line.inputTokens());
        g.writeNumberField("output_tokens", line.outputTokens());
        g.writeNumberField("cache_read_tokens", line.cacheReadTokens());
        g.writeNumberField("cache_write_tokens", line.cacheWriteTokens());
        g.writeNumberField("reasoning_tokens", line.reasoningTokens());
        g.writeFieldName("cost_usd");
        g.writeNumber(line.costUsd().toPlainString());
        g.writeNumberField("unpriced_requests", line.unpricedRequests());
        g.writeNumberField("estimated_requests", line.estimatedRequests());
        g.writeEndObject();
    }

    private static void instantField(JsonGenerator g, String name, Optional<Instant> value) throws java.io.IOException {
        if (value.isPresent()) {
            g.writeStringField(name, value.get().toString());
        } else {
            g.writeNullField(name);
        }
    }

    private static UsageGroup.By groupBy(String raw) {
        return switch (raw) {
            case "model" -> UsageGroup.By.MODEL;
            case "day" -> UsageGroup.By.DAY;
            case "conversation" -> UsageGroup.By.CONVERSATION;
            default -> throw new InvalidRequestException("group_by must be model, day or conversation, got '"
                                                                 + QueryParams.abbreviate(raw) + "'", "group_by");
        };
    }

    /**
     * An ISO date (a whole UTC day: its start for {@code from}; for {@code to}, the start of the next day, so the day
     * is included), an ISO timestamp with {@code Z} or an offset, or Unix seconds (as OpenAI's usage API takes them).
     * A {@code +} in an offset arrives as a space when the client did not encode it ({@code %2B}); that is read as
     * the {@code +} it was. (The colons of a timestamp must be encoded, {@code %3A}: HAIA's HTTP server refuses a
     * query with a bare {@code :} before HAIA sees it, see {@link TransportErrors}.)
     */
    static Instant instant(String raw, String name, boolean end) {
        String value = raw.strip();
        try {
            if (value.matches("\\d{1,12}")) {
                return Instant.ofEpochSecond(Long.parseLong(value));
            }
            if (value.length() == 10) {
                LocalDate day = LocalDate.parse(value);
                return (end ? day.plusDays(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return OffsetDateTime.parse(value.replace(' ', '+')).toInstant();
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new InvalidRequestException(name + " must be an ISO date (2026-11-01), a timestamp with Z or an"
                                                      + " offset (2026-11-01T08%3A00%3A00Z, colons encoded) or Unix"
                                                      + " seconds, got '" + QueryParams.abbreviate(raw) + "'", name);
        }
    }
}
