package haia.tools;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * All of HAIA's tools in one place, for the agent loop: the list to offer the model ({@link #tools()}) and a call
 * that always returns a {@link ToolResult} ({@link #call}, {@link #callAll}). Each call runs on its own virtual
 * thread, is bounded by the per-tool timeout, its text is redacted and cut to the output cap, and every failure
 * (unknown tool, arguments that are not an object, a source's {@link ToolException}, a timeout, anything else) is an
 * error result with a clear text. Nothing here throws to the caller.
 */
public final class ToolCatalog implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ToolCatalog.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, ToolSource> sources = new LinkedHashMap<>();
    private final Duration timeout;
    private final int maxOutputChars;
    private final UnaryOperator<String> redactor;
    private final Clock clock;
    private final ExecutorService calls = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("haia-tool-", 0).factory());
    private final Map<String, LastCall> lastCalls = new ConcurrentHashMap<>();
    private final CallListener listener;
    private volatile Listing listing = new Listing(List.of(List.of()), List.of());

    /** Hears of every finished call: for metrics (by tool and outcome, with its duration). */
    @FunctionalInterface
    public interface CallListener {
        /**
         * @param tool    the tool's public name, or {@code unknown} for a name that is not one of HAIA's tools (the
         *                model's invention must not become a label value)
         * @param outcome {@code ok}, {@code error} (an error result) or {@code timeout}
         * @param elapsed from the call's start to its result
         */
        void called(String tool, String outcome, Duration elapsed);

        CallListener NONE = (tool, outcome, elapsed) -> {
        };
    }

    /** The outcome of a source's most recent call, for {@code /health}. */
    private record LastCall(Instant at, boolean ok, String error) {
    }

    /**
     * @param sources        the sources, in the order their tools are listed; names must be unique
     * @param timeout        longest single call
     * @param maxOutputChars longest result text handed to the model
     * @param redactor       removes configured secrets from every result text
     */
    public ToolCatalog(List<? extends ToolSource> sources, Duration timeout, int maxOutputChars,
                       UnaryOperator<String> redactor, Clock clock) {
        this(sources, timeout, maxOutputChars, redactor, clock, CallListener.NONE);
    }

    public ToolCatalog(List<? extends ToolSource> sources, Duration timeout, int maxOutputChars,
                       UnaryOperator<String> redactor, Clock clock, CallListener listener) {
        this.listener = listener;
        for (ToolSource source : sources) {
            if (sources.stream().filter(s -> s.name().equals(source.name())).count() > 1) {
                throw new IllegalArgumentException("two tool sources are named '" + source.name() + "'");
            }
            this.sources.put(source.name(), source);
        }
        this.timeout = timeout;
        this.maxOutputChars = maxOutputChars;
        this.redactor = redactor;
        this.clock = clock;
    }

    /** Connects and checks every source in the background; each problem is logged once as a warning with its fix. */
    public void start() {
        sources.values().forEach(source -> Thread.ofVirtual().name("haia-tools-start-" + source.name()).start(() -> {
            try {
                source.start().ifPresent(problem -> LOG.log(System.Logger.Level.WARNING,
                        "Tools '" + source.name() + "': " + redactor.apply(problem)));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Tools '" + source.name() + "' cannot start: "
                        + redactor.apply(String.valueOf(e.getMessage())));
            }
        }));
    }

    /** Whether any source is configured (without one, the agent loop has nothing to offer). */
    public boolean isEmpty() {
        return sources.isEmpty();
    }

    /** Every tool offered now, under its public name, sources in configuration order, each source's tools sorted. */
    public List<ToolSpec> tools() {
        List<List<ToolSpec>> lists = new ArrayList<>(sources.size());
        for (ToolSource source : sources.values()) {
            lists.add(safeTools(source));
        }
        Listing last = listing;
        if (last.sameSources(lists)) {
            return last.tools();   // every request asks; the sources' lists change rarely (an MCP server's)
        }
        List<ToolSpec> all = new ArrayList<>();
        int i = 0;
        for (ToolSource source : sources.values()) {
            List<ToolSpec> local = lists.get(i++);
            ToolNames.Mapping names = ToolNames.map(source.name(), local.stream().map(ToolSpec::name).toList());
            local.stream()
                    .map(spec -> spec.withName(names.localToPublic().get(spec.name())))
                    .sorted(Comparator.comparing(ToolSpec::name))
                    .forEach(all::add);
        }
        Listing listed = new Listing(lists, List.copyOf(all));
        listing = listed;
        return listed.tools();
    }

    /** The last listing, and the sources' own lists it was made from. */
    private record Listing(List<List<ToolSpec>> from, List<ToolSpec> tools) {

        /** Whether each source still returns the very list it did (a source that changes returns a new one). */
        boolean sameSources(List<List<ToolSpec>> lists) {
            if (lists.size() != from.size()) {
                return false;
            }
            for (int i = 0; i < lists.size(); i++) {
                if (lists.get(i) != from.get(i)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Whether {@code publicName} is one of HAIA's tools right now. */
    public boolean has(String publicName) {
        return resolve(publicName).isPresent();
    }

    /**
     * Parses arguments that a provider sent as a string (OpenAI's {@code arguments}): empty means {@code {}}.
     *
     * @return the arguments object, or empty when the text is not a JSON object
     */
    public static Optional<JsonNode> arguments(String text) {
        if (text == null || text.isBlank()) {
            return Optional.of(JSON.createObjectNode());
        }
        try {
            JsonNode node = JSON.readTree(text);
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }

    /** Runs one call, bounded by the per-tool timeout. Never throws. */
    public ToolResult call(ToolCall call) {
        return await(submit(call), call.name(), clock.instant());
    }

    /** Convenience for {@link #call(ToolCall)} with arguments as text (see {@link #arguments(String)}). */
    public ToolResult call(String publicName, String argumentsText) {
        return arguments(argumentsText)
                .map(args -> call(new ToolCall(publicName, args)))
                .orElseGet(() -> ToolResult.error("The arguments for " + publicName + " are not a JSON object: "
                        + abbreviate(argumentsText) + ". Call the tool again with a JSON object."));
    }

    /** Runs the calls in parallel, each bounded by the per-tool timeout; results in the order of {@code calls}. */
    public List<ToolResult> callAll(List<ToolCall> calls) {
        Instant start = clock.instant();
        List<Future<ToolResult>> running = calls.stream().map(this::submit).toList();
        List<ToolResult> results = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            results.add(await(running.get(i), calls.get(i).name(), start));
        }
        return results;
    }

    /** Each source's state for {@code /health}, by source name. */
    public Map<String, String> status() {
        Map<String, String> status = new LinkedHashMap<>();
        sources.values().forEach(source -> {
            SourceStatus s = source.status();
            StringBuilder line = new StringBuilder(s.state()).append(", ").append(s.detail())
                    .append(", tools=").append(safeTools(source).size());
            LastCall last = lastCalls.get(source.name());
            if (last != null) {
                line.append(", lastCall=").append(last.ok() ? "ok" : "failed").append(" at ").append(last.at());
                if (!last.ok()) {
                    line.append(" (").append(abbreviate(last.error())).append(')');
                }
            }
            status.put(source.name(), redactor.apply(line.toString()));
        });
        return status;
    }

    /** Stops running calls and closes every source, in parallel (an MCP server may take seconds to stop). */
    @Override
    public void close() {
        calls.shutdownNow();
        List<Thread> closing = sources.values().stream().map(source -> Thread.ofVirtual().start(() -> {
            try {
                source.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing tool source " + source.name() + ": " + e);
            }
        })).toList();
        for (Thread thread : closing) {
            try {
                thread.join(Duration.ofSeconds(15));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private Future<ToolResult> submit(ToolCall call) {
        try {
            return calls.submit(() -> run(call));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return java.util.concurrent.CompletableFuture.completedFuture(
                    ToolResult.error("HAIA is shutting down; the tool " + call.name() + " was not run."));
        }
    }

    /** The call's result within the per-tool timeout (counted from {@code start}), reported to the listener. */
    private ToolResult await(Future<ToolResult> future, String name, Instant start) {
        ToolResult result = awaitResult(future, name, start);
        boolean timedOut = result.error() && future.isCancelled() && !Thread.currentThread().isInterrupted();
        listener.called(has(name) ? name : "unknown", timedOut ? "timeout" : result.error() ? "error" : "ok",
                        Duration.between(start, clock.instant()));
        return result;
    }

    private ToolResult awaitResult(Future<ToolResult> future, String name, Instant start) {
        try {
            long left = timeout.minus(Duration.between(start, clock.instant())).toMillis();
            return future.get(Math.max(left, 0), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            return ToolResult.error("The tool " + name + " did not finish within " + human(timeout)
                                            + " and was stopped. The host may be slow or unreachable.");
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            return ToolResult.error("The tool call " + name + " was cancelled.");
        } catch (ExecutionException e) {
            // run() catches everything; this is only a safety net
            return ToolResult.error("The tool " + name + " failed: " + redactor.apply(String.valueOf(e.getCause())));
        }
    }

    private ToolResult run(ToolCall call) {
        Optional<Target> target = resolve(call.name());
        if (target.isEmpty()) {
            return ToolResult.error("There is no tool named " + call.name() + ". HAIA's tools are: "
                                            + String.join(", ", tools().stream().map(ToolSpec::name).toList()));
        }
        ToolSource source = target.get().source();
        if (!call.arguments().isObject()) {
            return ToolResult.error("The arguments for " + call.name() + " must be a JSON object.");
        }
        ToolResult result;
        try {
            result = source.call(target.get().local(), call.arguments(), call.context());
        } catch (ToolException e) {
            result = ToolResult.error(e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "tool " + call.name() + " failed unexpectedly: "
                    + redactor.apply(String.valueOf(e)));
            result = ToolResult.error("The tool " + call.name() + " failed: " + e.getClass().getSimpleName()
                                              + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
        lastCalls.put(source.name(), new LastCall(clock.instant(), !result.error(),
                                                   result.error() ? redactor.apply(result.text()) : ""));
        return new ToolResult(cap(redactor.apply(result.text())), result.error());
    }

    private record Target(ToolSource source, String local) {
    }

    private Optional<Target> resolve(String publicName) {
        if (!ToolNames.isReserved(publicName)) {
            return Optional.empty();
        }
        for (ToolSource source : sources.values()) {
            if (publicName.startsWith(ToolNames.PREFIX + source.name() + "_")) {
                List<String> local = safeTools(source).stream().map(ToolSpec::name).toList();
                return ToolNames.map(source.name(), local).local(publicName).map(l -> new Target(source, l));
            }
        }
        return Optional.empty();
    }

    private List<ToolSpec> safeTools(ToolSource source) {
        try {
            return source.tools();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "tools of " + source.name() + ": " + e);
            return List.of();
        }
    }

    private String cap(String text) {
        if (text.length() <= maxOutputChars) {
            return text;
        }
        int cut = maxOutputChars;
        if (Character.isHighSurrogate(text.charAt(cut - 1))) {
            cut--;
        }
        return text.substring(0, cut) + "\n… [cut: " + (text.length() - cut)
                + " more characters. Ask for less, e.g. fewer lines or one item.]";
    }

    private static String abbreviate(String text) {
        String line = String.valueOf(text).strip().replaceAll("\\s+", " ");
        return line.length() <= 200 ? line : line.substring(0, 200) + "…";
    }

    static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
