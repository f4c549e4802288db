package haia.api;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import haia.json.Jackson;
import haia.observe.SafeText;
import haia.openai.InvalidRequestException;
import haia.store.Sighting;
import haia.watch.AlertPayloads;
import haia.watch.Watch;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Alerts in, under {@code /v1} (the API key as a bearer token, as for every {@code /v1} call):
 * <pre>
 * POST /alerts/alertmanager     Alertmanager's webhook (webhook_configs, version 4)
 * POST /alerts                  one generic alert, or an array: title, message, severity, source, labels
 * </pre>
 * The body is read and checked at once (a malformed one is the sender's 400, and nothing of it is stored), then
 * answered {@code 202} while the watch records it in the background. When too many alerts wait already the answer
 * is {@code 503} with {@code Retry-After}, which Alertmanager retries.
 */
final class AlertsService implements HttpService {

    private static final Duration RETRY_AFTER = Duration.ofSeconds(30);

    private final Watch watch;
    private final long maxBodyBytes;
    private final ObjectMapper json = JsonMapper.builder(Jackson.factory(StreamReadConstraints.builder()
                                                                                 .maxNestingDepth(64)
                                                                                 .maxNumberLength(64)
                                                                                 .build()))
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    AlertsService(Watch watch, long maxBodyBytes) {
        this.watch = watch;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/alerts/alertmanager", (req, res) -> accept(res, AlertPayloads.alertmanager(body(req))))
                .post("/alerts", (req, res) -> accept(res, AlertPayloads.generic(body(req))));
    }

    private void accept(ServerResponse res, List<Sighting> sightings) {
        if (!watch.accept(sightings)) {
            Responses.error(res, new ApiError(503, "server_error", "server_busy", "HAIA's watch has "
                    + Watch.MAX_PENDING + " alerts waiting to be recorded already; send these again later",
                                              Optional.empty(), Optional.of(RETRY_AFTER), ApiError.Retry.CLIENT_RULES));
            return;
        }
        // the fingerprints (the first 100) let a script resolve what it sent: status resolved, same fingerprint
        Responses.json(res, 202, Jackson.write(json.getFactory(), 64 + 40 * Math.min(100, sightings.size()), g -> {
            g.writeStartObject();
            g.writeStringField("object", "alerts.accepted");
            g.writeNumberField("accepted", sightings.size());
            g.writeArrayFieldStart("fingerprints");
            for (Sighting s : sightings.subList(0, Math.min(100, sightings.size()))) {
                g.writeString(s.fingerprint());
            }
            g.writeEndArray();
            g.writeEndObject();
        }));
    }

    private JsonNode body(ServerRequest req) {
        QueryParams.onlyKnown(req, req.path().path(), java.util.Set.of());
        byte[] bytes = RequestBodies.readJson(req, maxBodyBytes);
        try {
            JsonNode node = json.readTree(bytes);
            if (node == null || node.isMissingNode()) {
                throw new InvalidRequestException("The request body is empty; expected a JSON alert", null);
            }
            return node;
        } catch (StreamConstraintsException e) {
            throw new InvalidRequestException("The request body is too deeply nested or has an absurd number", null);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("The request body is not valid JSON: "
                    + SafeText.oneLine(String.valueOf(e.getOriginalMessage()), 200), null);
        } catch (IOException e) {
            throw new InvalidRequestException("The request body could not be read: " + e.getMessage(), null);
        }
    }
}
