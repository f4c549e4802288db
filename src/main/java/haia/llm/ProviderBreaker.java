package haia.llm;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * One provider's circuit breaker: it exists to stop hammering a provider that is down, not to punish a request.
 * So it counts requests, not attempts (a request retried three times is one failure), and only the chat's: an
 * OpenWebUI background task (a title, tags) that fails does not count, since every failed chat message brings one
 * along. It opens after {@code failures} requests in a row failed because of the provider (unreachable, 5xx,
 * overloaded, timed out); any answer in between (a success, or the provider refusing a request, which it can only
 * do while it is up) shows the provider is up and starts the count again. Open, it fails fast for {@code delay},
 * then lets one request through as a trial: its success closes the breaker, its failure opens it again.
 *
 * <p>Whether a failure is the provider's is its {@link ErrorCategory}: a provider mapping that classifies an answer
 * as the request's fault (llama.cpp answers some invalid requests with a 500) makes it neither retried nor counted.
 */
final class ProviderBreaker {

    enum State { CLOSED, OPEN, HALF_OPEN }

    /** What a request reports when it is done; a trial request is the one let through a half-open breaker. */
    record Ticket(boolean trial) {
    }

    private final int failures;
    private final Duration delay;
    private final Clock clock;
    private State state = State.CLOSED;
    private int failedInARow;
    private Instant openedAt = Instant.MIN;
    private boolean trialRunning;

    ProviderBreaker(int failures, Duration delay, Clock clock) {
        this.failures = failures;
        this.delay = delay;
        this.clock = clock;
    }

    /** Lets a request call the provider (its ticket), or not while the breaker is open (empty). */
    synchronized Optional<Ticket> admit() {
        if (state == State.OPEN && !clock.instant().isBefore(openedAt.plus(delay))) {
            state = State.HALF_OPEN;
        }
        return switch (state) {
            case CLOSED -> Optional.of(new Ticket(false));
            case OPEN -> Optional.empty();
            case HALF_OPEN -> {
                if (trialRunning) {
                    yield Optional.empty();   // one trial at a time: the others fail fast until it is decided
                }
                trialRunning = true;
                yield Optional.of(new Ticket(true));
            }
        };
    }

    /** The provider answered: the request succeeded, or the provider refused it (which it does only while up). */
    synchronized void answered(Ticket ticket) {
        failedInARow = 0;
        state = State.CLOSED;
        settle(ticket);
    }

    /**
     * The request failed because of the provider.
     *
     * @param counts false for a background task's request: it says as much about the provider as the chat
     *               message it came with, which is counted
     */
    synchronized void failed(Ticket ticket, boolean counts) {
        settle(ticket);
        if (!counts) {
            return;
        }
        failedInARow++;
        if (ticket.trial() || state == State.HALF_OPEN || failedInARow >= failures) {
            state = State.OPEN;
            openedAt = clock.instant();
        }
    }

    /** The request ended without saying anything about the provider (its client left, HAIA is shutting down). */
    synchronized void released(Ticket ticket) {
        settle(ticket);
    }

    private void settle(Ticket ticket) {
        if (ticket.trial()) {
            trialRunning = false;
        }
    }

    /** How long an open breaker still fails fast (zero once a trial may go through). */
    synchronized Duration remaining() {
        Duration left = Duration.between(clock.instant(), openedAt.plus(delay));
        return left.isNegative() ? Duration.ZERO : left;
    }

    synchronized boolean open() {
        return state == State.OPEN && clock.instant().isBefore(openedAt.plus(delay));
    }

    /** {@code closed}, {@code open} or {@code half_open}, for {@code /health}. */
    synchronized String describe() {
        State now = state == State.OPEN && !open() ? State.HALF_OPEN : state;
        return now.name().toLowerCase(Locale.ROOT);
    }
}
