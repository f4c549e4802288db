package haia.api;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import haia.openai.InvalidRequestException;

import io.helidon.webserver.http.ServerRequest;

/**
 * One rule for every query parameter HAIA's API reads: only the parameters an endpoint knows, each at most once and
 * never empty. Anything else is the client's 400 naming the parameter: a second {@code format} or a misspelt
 * {@code grup_by} is never silently taken or dropped.
 */
final class QueryParams {

    private QueryParams() {
    }

    /** Refuses a parameter {@code endpoint} does not take. */
    static void onlyKnown(ServerRequest req, String endpoint, Set<String> known) {
        for (String name : req.query().names()) {
            if (!known.contains(name)) {
                throw new InvalidRequestException("Unknown query parameter '" + abbreviate(name) + "': " + endpoint
                        + (known.isEmpty() ? " takes none" : " takes " + String.join(", ", new TreeSet<>(known))),
                                                  name);
            }
        }
    }

    /** The parameter's value, when given; given twice or empty is refused. */
    static Optional<String> single(ServerRequest req, String name) {
        List<String> values = req.query().all(name, List::of);
        if (values.size() > 1) {
            throw new InvalidRequestException(name + " is given " + values.size() + " times; give it once", name);
        }
        if (values.size() == 1 && values.getFirst().isBlank()) {
            throw new InvalidRequestException(name + " is empty; leave it out instead", name);
        }
        return values.stream().findFirst();
    }

    /** An integer parameter from {@code min} to {@code max}; {@code fallback} when it is not given. */
    static int integer(ServerRequest req, String name, int fallback, int min, int max) {
        Optional<String> raw = single(req, name);
        if (raw.isEmpty()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.get());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new InvalidRequestException(name + " must be an integer from " + min + " to " + max + ", got '"
                + abbreviate(raw.get()) + "'", name);
    }

    /** A value from the client as it may appear in an error message: one line, at most 60 characters. */
    static String abbreviate(String value) {
        String oneLine = value.replaceAll("\\p{Cntrl}", "?");
        return oneLine.length() <= 60 ? oneLine : oneLine.substring(0, 60) + "…";
    }
}
