package haia.chat;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import haia.config.HaiaConfig;
import haia.llm.Capability;
import haia.llm.LlmMessage;
import haia.llm.LlmRequest;
import haia.llm.ModelRegistry;
import haia.llm.Part;
import haia.llm.Sampling;
import haia.llm.TokenEstimate;
import haia.store.Notes;
import haia.store.WindowReads;
import haia.tools.memory.MemoryTools;

/**
 * Step 3 of the pipeline: the model request. The persona and the client's system texts become the system blocks;
 * the client's generation settings are checked against what the model can do (a capability it lacks is the client's
 * 400, naming the model and the capability) and against what its provider accepts; the window is shaped for the
 * model (pictures become notes for a model that cannot read them, tool calls and results become text when no tools
 * are offered); and the pictures the window still shows are loaded from the database, or fetched for providers that
 * take no URLs.
 */
final class Prompt {

    private final Map<String, Persona> personas;
    private final Persona defaultPersona;
    private final HaiaConfig.Chat chat;
    private final HaiaConfig.Tasks tasks;
    private final WindowReads windows;
    private final Notes notes;
    private final ModelRegistry models;
    private final Briefing briefing;
    private final Clock clock;

    Prompt(Map<String, Persona> personas, Persona defaultPersona, HaiaConfig config, WindowReads windows, Notes notes,
           ModelRegistry models, Briefing briefing, Clock clock) {
        this.personas = Map.copyOf(personas);
        this.defaultPersona = defaultPersona;
        this.chat = config.chat();
        this.tasks = config.tasks();
        this.windows = windows;
        this.notes = notes;
        this.models = models;
        this.briefing = briefing;
        this.clock = clock;
    }

    /**
     * The model request, and what HAIA had to change about the client's request to make it (for the reply's
     * metadata).
     */
    record Built(LlmRequest request, List<String> notes) {
    }

    /**
     * @param tools  what the request offers: the client's tools, and HAIA's when the agent loop offers them
     * @param images the pictures fetched by URL for this request before it took its conversation
     */
    Built request(ChatCommand command, Flow flow, ModelRegistry.Route route, List<LlmMessage> window,
                  haia.llm.ToolUse tools, FetchedImages images) {
        boolean task = flow.task();
        ChatCommand.Generation generation = command.generation();
        refuseWhatTheModelCannot(command, route);
        List<LlmMessage> shaped = window;
        if (!route.can(Capability.IMAGES)) {
            shaped = Ageing.withoutImages(shaped);   // only earlier turns can hold any: the new one was checked
        }
        if (!tools.offered()) {
            shaped = ToolHistory.asText(shaped);
        }
        HaiaConfig.Model settings = route.settings();
        List<String> system = system(command, flow, route, tools);
        int asked = generation.maxTokens().orElse(settings.maxTokens().orElse(chat.maxTokens()));
        TokenBudget.Budget budget = TokenBudget.Budget.of(budget(route), asked, models.measure(route));
        List<String> notes = List.of();
        if (!command.attachments().isEmpty()) {
            Attachments.Fitted attached = attached(command.attachments(), shaped, system, tools, budget, route);
            system.add(attached.block());
            notes = attached.notes();
        }
        shaped = TokenBudget.fit(shaped, TokenEstimate.ofSystem(system) + TokenEstimate.ofTools(tools), budget,
                                 route.id());
        int maxTokens = budget.maxTokens();
        Sampling sampling = generation.sampling();
        boolean thinks = generation.reasoning().filter(haia.llm.ReasoningEffort::thinks).isPresent();
        if (sampling.temperature().isEmpty() && sampling.topP().isEmpty() && !thinks) {
            // a model's configured temperature is a default for requests that choose no sampling of their own: a
            // client's top_p is not overridden by it (Claude takes one of the two, and temperature would win), and a
            // thinking Claude takes none
            sampling = sampling.withTemperature(settings.temperature());
        }
        LlmRequest request = withImages(new LlmRequest(route.upstreamModel(), system, shaped, maxTokens, sampling,
                                                       tools, generation.responseFormat(), generation.reasoning(),
                                                       chat.promptCache(), task), route, images);
        // asked with the pictures as the provider gets them: their number and sizes are part of what it accepts
        route.client().problem(request).ifPresent(problem -> {
            throw new RequestRefused(problem.param(), "Model '" + route.id() + "' (" + route.provider() + "): "
                    + problem.message());
        });
        return new Built(request, notes);
    }

    /**
     * The attachments within the budget: at most three quarters of what the system prompt, tools and the current turn
     * leave (the rest stays for the conversation before it).
     */
    private static Attachments.Fitted attached(Attachments attachments, List<LlmMessage> window, List<String> system,
                                               haia.llm.ToolUse tools, TokenBudget.Budget budget,
                                               ModelRegistry.Route route) {
        long taken = TokenEstimate.ofSystem(system) + TokenEstimate.ofTools(tools)
                + TokenEstimate.ofMessages(window.subList(TokenBudget.currentTurnStart(window), window.size()));
        long room = (budget.estimated() - taken) * 3 / 4;
        return attachments.fitted(room, "model '" + route.id() + "' takes about "
                + TokenBudget.thousands(budget.tokens()) + " tokens per request (" + budget.source() + ")");
    }

    /**
     * The request's configured token budget: the model's own, else HAIA_CONTEXT_TOKENS, else one from its context
     * size (by name); {@link TokenBudget.Budget#of} keeps it within the model's real context once that is known.
     */
    private int budget(ModelRegistry.Route route) {
        return route.settings().contextTokens()
                .orElse(chat.contextTokens().orElse(TokenBudget.defaultBudget(route.upstreamModel())));
    }

    /** A capability the request needs and the model lacks: the client's 400, saying what to do. */
    private static void refuseWhatTheModelCannot(ChatCommand command, ModelRegistry.Route route) {
        ChatCommand.Generation generation = command.generation();
        if (command.turnHasImages() && !route.can(Capability.IMAGES)) {
            throw refused(route, Capability.IMAGES, "messages", "it cannot read images: send text only, or pick a"
                    + " model that reads images");
        }
        if (generation.tools().offered() && !route.can(Capability.TOOLS)) {
            throw refused(route, Capability.TOOLS, "tools", "it cannot call tools: send no tools (in OpenWebUI, set"
                    + " the model's Function Calling to Default), or pick a model that can");
        }
        if (generation.reasoning().filter(haia.llm.ReasoningEffort::thinks).isPresent()
                && !route.can(Capability.THINKING)) {
            throw refused(route, Capability.THINKING, "reasoning_effort", "it does not think before answering: leave"
                    + " reasoning_effort out (or set it to none)");
        }
        if (generation.responseFormat().json() && !route.can(Capability.JSON)) {
            throw refused(route, Capability.JSON, "response_format", "it cannot be held to JSON output: leave"
                    + " response_format out");
        }
    }

    private static RequestRefused refused(ModelRegistry.Route route, Capability capability, String param,
                                          String what) {
        String has = route.capabilities().isEmpty() ? "none" : route.capabilities().stream().sorted()
                .map(Capability::configName).collect(Collectors.joining(", "));
        return new RequestRefused(param, "Model '" + route.id() + "' (" + route.provider() + " "
                + route.upstreamModel() + ") lacks the capability '" + capability.configName() + "': " + what
                + ". Its capabilities: " + has + "; if the model can, add " + capability.configName()
                + " to its capabilities (models[].capabilities in the YAML, or HAIA_CAPABILITIES)");
    }

    /**
     * The persona first (unless a task asks for none), then when HAIA's memory search is offered when to use it,
     * then the user's notes (not for a task), then the client's own system texts, each its own block, then for a flow
     * the user reads ({@link Flow#briefed()}: not a task, not an investigation) the briefing, last: what changes from
     * one request to the next comes after what does not (see {@link Briefing}).
     */
    private List<String> system(ChatCommand command, Flow flow, ModelRegistry.Route route, haia.llm.ToolUse tools) {
        List<String> blocks = new ArrayList<>(command.system().size() + 2);
        if (!flow.task() || tasks.persona()) {
            Persona persona = personas.getOrDefault(route.id(), defaultPersona);
            blocks.add(persona.render(LocalDate.now(clock.withZone(ZoneId.systemDefault()))));
        }
        if (tools.tools().stream().anyMatch(t -> t.name().equals(MemoryTools.SEARCH))) {
            blocks.add(MemoryTools.GUIDANCE);   // when to look further back: fixed text, the cached prefix holds
        }
        if (!flow.task()) {   // the owner's notes: they change rarely, so the cached prefix holds too
            NoteCommands.block(notes.list(command.hint().owner()), chat.memoryNotesMaxChars())
                    .ifPresent(blocks::add);
        }
        blocks.addAll(command.system());
        if (flow.briefed()) {
            briefing.forRequest(command).ifPresent(blocks::add);
        }
        return blocks;
    }

    /**
     * The request with every picture as the provider takes it: stored ones loaded (one query for all the window
     * still shows), URLs as fetched for providers that take bytes only (a URL that was not fetched, or that may not
     * be passed on, becomes a note: see {@link ImageUrls}).
     */
    private LlmRequest withImages(LlmRequest request, ModelRegistry.Route route, FetchedImages images) {
        List<Long> stored = new ArrayList<>();
        boolean urls = false;
        for (LlmMessage message : request.messages()) {
            for (Part.Image image : message.pictures()) {
                if (image.source() instanceof Part.Image.Stored s) {
                    stored.add(s.id());
                } else if (image.source() instanceof Part.Image.Url) {
                    urls = true;
                }
            }
        }
        if (stored.isEmpty() && !urls) {
            return request;
        }
        Map<Long, Part.Image.Inline> loaded = stored.isEmpty() ? Map.of() : windows.images(stored);
        List<LlmMessage> messages = new ArrayList<>(request.messages().size());
        for (LlmMessage message : request.messages()) {
            messages.add(new LlmMessage(message.role(), resolved(message.parts(), loaded, route, images)));
        }
        return request.withMessages(messages);
    }

    private List<Part> resolved(List<Part> parts, Map<Long, Part.Image.Inline> loaded, ModelRegistry.Route route,
                                FetchedImages images) {
        List<Part> out = new ArrayList<>(parts.size());
        for (Part part : parts) {
            out.add(switch (part) {
                case Part.Image image when image.source() instanceof Part.Image.Stored s ->
                        Optional.ofNullable(loaded.get(s.id())).<Part>map(Part.Image::new)
                                .orElseGet(() -> new Part.Text(Ageing.placeholder(image)));   // deleted meanwhile
                case Part.Image image when image.source() instanceof Part.Image.Url url
                        && (!route.imageUrls() || images.unusable(url)) ->
                        (route.imageUrls() ? java.util.Optional.<Part.Image.Inline>empty() : images.get(url.url()))
                                .<Part>map(Part.Image::new)
                                .orElseGet(() -> new Part.Text(Ageing.placeholder(image)));
                case Part.ToolResult result -> new Part.ToolResult(result.callId(), result.toolName(),
                                                                   resolved(result.content(), loaded, route,
                                                                            images), result.error());
                default -> part;
            });
        }
        return out;
    }

    /** What a request asks of its model, for choosing a fallback that can serve it. */
    static Set<Capability> needs(LlmRequest request) {
        Set<Capability> needs = EnumSet.noneOf(Capability.class);
        if (request.messages().stream().anyMatch(m -> !m.pictures().isEmpty())) {
            needs.add(Capability.IMAGES);
        }
        if (request.tools().offered()) {
            needs.add(Capability.TOOLS);
        }
        if (request.thinks()) {
            needs.add(Capability.THINKING);
        }
        if (request.responseFormat().json()) {
            needs.add(Capability.JSON);
        }
        return needs;
    }

    /** Whether a fallback model can take this request as it is. */
    static boolean servable(LlmRequest request, ModelRegistry.Route route) {
        return route.capabilities().containsAll(needs(request))
                && route.client().problem(request.withModel(route.upstreamModel())).isEmpty()
                && (route.imageUrls() || request.messages().stream().flatMap(m -> m.pictures().stream())
                        .noneMatch(i -> i.source() instanceof Part.Image.Url));
    }
}
