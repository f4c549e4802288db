package haia.chat;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import haia.llm.Part;

/**
 * What {@link ImageUrls} got for one request before it took its conversation: the pictures fetched by URL (and
 * the memory they hold, given back when the request ends), and the URLs of earlier turns that could not be used
 * (the model gets a note in their place). Filled by parallel fetches, so thread-safe; a fetch that finishes after
 * the request stopped waiting for it finds it closed and keeps nothing.
 */
final class FetchedImages implements AutoCloseable {

    private final Map<URI, Part.Image.Inline> fetched = new ConcurrentHashMap<>();
    private final Set<URI> unusable = ConcurrentHashMap.newKeySet();
    private final List<MemoryBudget.Reservation> held = new ArrayList<>();
    private boolean closed;

    /** For requests that name no picture URL (nothing is ever put into it). */
    static final FetchedImages NONE = new FetchedImages();

    /** Keeps {@code reservation} until the request ends (at once given back when it already has). */
    synchronized MemoryBudget.Reservation hold(MemoryBudget.Reservation reservation) {
        if (closed) {
            reservation.close();
        } else {
            held.add(reservation);
        }
        return reservation;
    }

    void put(URI url, Part.Image.Inline image) {
        fetched.put(url, image);
    }

    void unusable(URI url) {
        unusable.add(url);
    }

    /** The picture fetched from {@code url}, if it was. */
    Optional<Part.Image.Inline> get(URI url) {
        return Optional.ofNullable(fetched.get(url));
    }

    /** Whether {@code url} (of an earlier turn) may not be passed on or shown. */
    boolean unusable(Part.Image.Url url) {
        return unusable.contains(url.url());
    }

    @Override
    public synchronized void close() {
        closed = true;
        held.forEach(MemoryBudget.Reservation::close);
        held.clear();
        fetched.clear();
    }
}
