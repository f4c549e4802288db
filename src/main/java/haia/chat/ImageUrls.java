package haia.chat;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import haia.config.HaiaConfig;
import haia.llm.Cancellation;
import haia.llm.Capability;
import haia.llm.LlmException;
import haia.llm.LlmMessage;
import haia.llm.ModelRegistry;
import haia.llm.Part;
import haia.net.AddressRule;

/**
 * The pictures a request gives as http(s) URLs, dealt with before the request takes its conversation (a slow image
 * server must never hold a conversation, and every other message in it, hostage). For providers that take bytes
 * only (Ollama, Gemini) HAIA fetches them; for providers that fetch pictures themselves (Anthropic,
 * OpenAI-compatible servers) it checks where they point, since a model server on the LAN fetching a URL reaches
 * inside the network as HAIA would.
 *
 * <p>Bounded every way a hostile or broken client or image server could push it: at most
 * {@code HAIA_IMAGE_FETCH_MAX_URLS} URLs (refused before anything is fetched) and {@code HAIA_IMAGE_FETCH_MAX_BYTES}
 * fetched per request; one wall-clock deadline, {@code HAIA_IMAGE_FETCH_TIMEOUT}, over all of a request's fetches,
 * bodies included (they run in parallel); the memory of every fetched byte reserved from the shared
 * {@link MemoryBudget} until the request ends (a request that cannot have it gets a 429 before it fetches anything); only addresses outside HAIA's network unless allowed ({@link AddressRule}). Every failure to
 * use a picture gets the client one and the same text, so the answers cannot map the network (a closed port, a
 * 401 and a timeout look alike); the reason is in HAIA's log.
 *
 * <p>Which pictures: those the model will see, i.e. of the newest turns ({@link Ageing}). One in the turn being
 * answered that cannot be used is the client's 400; one of an earlier turn the client sent again becomes a note
 * in the model's window, as a picture that has aged out does. (A client that sends only its new message has its
 * earlier URLs in HAIA's store; those are not fetched again, and the model gets a note of them.)
 */
final class ImageUrls {

    private static final System.Logger LOG = System.getLogger(ImageUrls.class.getName());
    /**
     * What a fetched byte costs until the request ends: itself, and its base64 in the provider request (kept for
     * retries; written straight into that request's buffer, no copies as text).
     */
    static final double HELD_PER_BYTE = 2.4;

    private final HaiaConfig.ImageFetch settings;
    private final int maxImageBytes;
    private final MemoryBudget memory;
    private final ImageFetch fetch;

    ImageUrls(HaiaConfig.ImageFetch settings, int maxImageBytes, MemoryBudget memory) {
        this.settings = settings;
        this.maxImageBytes = maxImageBytes;
        this.memory = memory;
        this.fetch = new ImageFetch(AddressRule.allowing(settings.allow()), maxImageBytes, settings.timeout());
    }

    /**
     * Fetches (or checks) the request's picture URLs for {@code route}. Close the result when the request ends:
     * it holds the fetched bytes' memory. A request cancelled meanwhile gets what arrived so far (it will not
     * call the model).
     *
     * @throws RequestRefused a picture of the new turn cannot be used, or there are too many or too large ones
     * @throws LlmException   {@link haia.llm.ErrorCategory#BUSY} when other requests hold the memory budget
     */
    FetchedImages prepare(ChatCommand command, ModelRegistry.Route route, Cancellation cancellation) {
        if (!route.can(Capability.IMAGES) || urls(command.messages()).isEmpty()) {
            // no picture URL (almost every request), or pictures that become notes (or a refusal) anyway
            return FetchedImages.NONE;
        }
        Set<URI> shown = urls(Ageing.aged(command.messages()));
        if (shown.isEmpty()) {
            return FetchedImages.NONE;
        }
        boolean bytes = !route.imageUrls();
        if (shown.size() > settings.maxUrls()) {
            throw new RequestRefused("messages", "This request gives " + shown.size() + " pictures by URL for HAIA"
                    + " to " + (bytes ? "fetch" : "check") + "; HAIA takes at most " + settings.maxUrls()
                    + " per request (HAIA_IMAGE_FETCH_MAX_URLS): send fewer, or the pictures themselves (data: URLs)");
        }
        Set<URI> turn = urls(command.userTurn());
        FetchedImages images = new FetchedImages();
        try {
            Map<URI, Throwable> failures = run(shown, turn, bytes, images, cancellation);
            // what the request asked for is refused as such; an overloaded HAIA says so (the others may have failed
            // only because they were stopped with it); then each picture that could not be used
            for (Throwable failure : failures.values()) {
                if (failure instanceof ImageFetch.TooMuch) {
                    throw new RequestRefused("messages", "The pictures at this request's URLs add up to more than "
                            + settings.maxBytes() + " bytes, the most HAIA fetches for one request"
                            + " (HAIA_IMAGE_FETCH_MAX_BYTES): send fewer or smaller pictures");
                }
            }
            for (Throwable failure : failures.values()) {
                if (failure instanceof LlmException busy) {
                    throw busy;
                }
            }
            for (Map.Entry<URI, Throwable> failure : failures.entrySet()) {
                URI url = failure.getKey();
                Throwable why = failure.getValue();
                LOG.log(System.Logger.Level.INFO, "The picture at " + ImageFetch.shown(url) + " was not used: "
                        + (why instanceof ImageFetch.Failed ? why.getMessage() : String.valueOf(why)));
                if (turn.contains(url)) {
                    throw unusable(url);
                }
                images.unusable(url);
            }
            return images;
        } catch (RuntimeException e) {
            images.close();
            throw e;
        }
    }

    /**
     * Fetches or checks every URL, in parallel, within the one deadline. A failure that refuses the request stops
     * the others at once.
     *
     * @return each URL that failed, with why (in {@code shown}'s order)
     */
    private Map<URI, Throwable> run(Set<URI> urls, Set<URI> turn, boolean bytes, FetchedImages images,
                                    Cancellation cancellation) {
        Sizes sizes = bytes ? new Sizes(urls.size(), images, cancellation) : null;   // 429 here: nothing fetched
        Cancellation.Child fetching = cancellation.child();
        AtomicLong left = new AtomicLong(settings.maxBytes());
        java.util.concurrent.atomic.AtomicReference<URI> refusedFor = new java.util.concurrent.atomic.AtomicReference<>();
        Map<URI, CompletableFuture<Void>> running = new LinkedHashMap<>();
        int index = 0;
        for (URI url : urls) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            running.put(url, done);
            int picture = index++;
            Thread.ofVirtual().name("haia-image-fetch").start(() -> {
                try (Cancellation.Interruption ignored = fetching.cancellation().interruptOnCancel()) {
                    if (bytes) {
                        images.put(url, fetch.fetch(url, left, size -> sizes.known(picture, size)));
                    } else {
                        fetch.check(url);
                    }
                    done.complete(null);
                } catch (Throwable e) {
                    if (bytes) {
                        sizes.known(picture, 0);
                    }
                    done.completeExceptionally(e);
                    if ((!(e instanceof ImageFetch.Failed) || turn.contains(url)) && refusedFor.compareAndSet(null, url)) {
                        // the request is refused whatever the others bring: they stop now
                        fetching.cancellation().cancel(Cancellation.Reason.OVERALL_TIMEOUT);
                    }
                }
            });
        }
        Set<URI> stillRunning = new LinkedHashSet<>();
        try (Cancellation.Interruption ignored = cancellation.interruptOnCancel()) {
            CompletableFuture.allOf(running.values().toArray(CompletableFuture[]::new))
                    .get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException late) {
            // the failures are read below, each from its own future
        } catch (InterruptedException e) {
            if (!cancellation.isCancelled()) {
                Thread.currentThread().interrupt();
            }
        } finally {
            // what still runs now is late, whatever its thread ends with once stopped (an interrupted socket read
            // throws "Closed by interrupt", possibly before the failures are read below)
            running.forEach((url, done) -> {
                if (!done.isDone()) {
                    stillRunning.add(url);
                }
            });
            fetching.cancellation().cancel(Cancellation.Reason.OVERALL_TIMEOUT);   // stops what is still running
            fetching.detach();
        }
        Map<URI, Throwable> failures = new LinkedHashMap<>();
        if (cancellation.isCancelled()) {
            return failures;   // nobody waits for the answer: the model is not called
        }
        URI refused = refusedFor.get();
        running.forEach((url, done) -> {
            if (refused != null && !url.equals(refused)) {
                if (!done.isDone() || done.isCompletedExceptionally()) {
                    failures.putIfAbsent(url, new ImageFetch.Failed("stopped: the request is refused for "
                            + ImageFetch.shown(refused)));
                }
            } else if (stillRunning.contains(url) || done.isCancelled()) {
                failures.put(url, new ImageFetch.Failed("it did not arrive within " + human(settings.timeout())
                        + " (HAIA_IMAGE_FETCH_TIMEOUT)"));
            } else if (done.isCompletedExceptionally()) {
                failures.put(url, done.exceptionNow());
            }
        });
        return failures;
    }

    /**
     * The memory of a request's pictures: reserved at once, before any is fetched, for the most they may be (a
     * request never waits for memory while holding part of it, so requests cannot hold it all and wait for each
     * other), then given back as each picture's size becomes known (announced, then read), within milliseconds.
     */
    private final class Sizes {

        private final long[] most;
        private final MemoryBudget.Reservation reservation;

        Sizes(int pictures, FetchedImages images, Cancellation cancellation) {
            this.most = new long[pictures];
            java.util.Arrays.fill(most, Math.min(maxImageBytes, settings.maxBytes()));
            this.reservation = images.hold(memory.reserve(held(), "fetch this request's pictures", cancellation));
        }

        synchronized void known(int picture, long size) {
            most[picture] = Math.min(most[picture], size);
            reservation.keepOnly(held());
        }

        private long held() {
            return (long) (HELD_PER_BYTE * Math.min(settings.maxBytes(), java.util.Arrays.stream(most).sum()));
        }
    }

    /** The one text for every picture HAIA cannot use: what HAIA takes, never what went wrong with this one. */
    private RequestRefused unusable(URI url) {
        return new RequestRefused("messages", "HAIA cannot use the picture at " + ImageFetch.shown(url) + ". HAIA"
                + " takes pictures by URL only from addresses outside its own network (or allowed by"
                + " HAIA_IMAGE_FETCH_ALLOW), as JPEG, PNG, GIF or WebP of at most " + maxImageBytes + " bytes,"
                + " arriving within " + human(settings.timeout()) + ". Send the picture itself instead (a data: URL,"
                + " as OpenWebUI does); HAIA's log says what went wrong with this one");
    }

    /** The http(s) picture URLs in {@code messages}, in order, each once (tool results' pictures included). */
    private static Set<URI> urls(List<LlmMessage> messages) {
        Set<URI> urls = new LinkedHashSet<>();
        for (LlmMessage message : messages) {
            add(message.parts(), urls);
        }
        return urls;
    }

    private static void add(List<Part> parts, Set<URI> urls) {
        for (Part part : parts) {
            if (part instanceof Part.Image image && image.source() instanceof Part.Image.Url url) {
                urls.add(url.url());
            } else if (part instanceof Part.ToolResult result) {
                add(result.content(), urls);
            }
        }
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
