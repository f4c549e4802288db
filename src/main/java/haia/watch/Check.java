package haia.watch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.observe.SafeText;
import haia.store.Severity;
import haia.store.Sighting;

/**
 * One of HAIA's own read-only checks, run on the watch's schedule over a configured tool source, with no model
 * involved: it reads the source and says what is wrong there now.
 */
interface Check {

    /** The source its findings come from: {@code pve}, {@code docker}, {@code prometheus}. */
    String source();

    /**
     * Looks at the source once.
     *
     * @param since when the previous round ran: events (a failed task, a container that exited) from before it are
     *              old news, unless their finding is still open
     * @param open  the fingerprints of this source's findings firing now
     */
    Round run(Instant since, Set<String> open);

    /**
     * What a round found.
     *
     * @param firing  the problems seen now
     * @param cleared findings this round saw fixed (a task that succeeded after failing)
     * @param covered fingerprint prefixes this round looked at completely: an open finding under one that is not
     *                firing now is resolved
     * @param problem why (part of) the check could not run: a finding of its own, once
     */
    record Round(List<Sighting> firing, Set<String> cleared, List<String> covered, Optional<String> problem) {

        static Round failed(String problem) {
            return new Round(List.of(), Set.of(), List.of(), Optional.of(problem));
        }
    }

    /** Collects a round's findings. */
    final class Findings {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final String source;
        final List<Sighting> firing = new ArrayList<>();
        final Set<String> cleared = new HashSet<>();
        final List<String> covered = new ArrayList<>();
        private Optional<String> problem = Optional.empty();

        Findings(String source) {
            this.source = source;
        }

        /**
         * A problem seen now.
         *
         * @param what the check's own data about it (the model reads it verbatim)
         */
        void fire(String fingerprint, Severity severity, String title, String check, JsonNode what) {
            ObjectNode detail = JSON.createObjectNode().put("source", source).put("check", check);
            detail.set("found", what);
            firing.add(new Sighting(fingerprint, source, SafeText.oneLine(title, AlertPayloads.MAX_TITLE), severity,
                                    detail.toString(), true));
        }

        /** A part of the check that could not run (the first reason is kept). */
        void cannot(String why) {
            if (problem.isEmpty()) {
                problem = Optional.of(why);
            }
        }

        Round round() {
            return new Round(List.copyOf(firing), Set.copyOf(cleared), List.copyOf(covered), problem);
        }
    }
}
