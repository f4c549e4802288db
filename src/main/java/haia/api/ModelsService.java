package haia.api;

import java.util.List;

import haia.llm.ModelRegistry;
import haia.llm.UnknownModelException;
import haia.openai.OpenAiWriter;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}}: the models HAIA offers, in OpenAI's list shape. Static
 * and instant, since OpenWebUI gives this call only a few seconds.
 */
public final class ModelsService implements HttpService {

    private final List<OpenAiWriter.ModelEntry> models;
    private final byte[] list;

    /**
     * Every model's {@code created}: one fixed instant (2025-01-01T00:00:00Z), the same at every start. HAIA's models
     * are names for configured upstream models, not artefacts with a creation date; a value that changed at each
     * restart made clients think the model list had changed.
     */
    static final long CREATED = 1_735_689_600L;

    public ModelsService(ModelRegistry registry) {
        long created = CREATED;
        this.models = registry.all().stream()
                .map(route -> new OpenAiWriter.ModelEntry(route.id(), created, "haia/" + route.provider()))
                .toList();
        this.list = OpenAiWriter.models(models);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/models", this::list)
                .get("/models/{id}", this::one);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Responses.json(res, 200, list);
    }

    private void one(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        OpenAiWriter.ModelEntry model = models.stream().filter(m -> m.id().equals(id)).findFirst()
                .orElseThrow(() -> new UnknownModelException(id, models.stream().map(OpenAiWriter.ModelEntry::id).toList()));
        Responses.json(res, 200, OpenAiWriter.model(model));
    }
}
