package haia.notify;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import haia.store.Finding;
import haia.store.Severity;

/**
 * One message of HAIA's watch, before it is shaped for a target: a finding (or a group of findings that opened
 * together) opened, or resolved.
 *
 * @param opened   opened (true) or resolved (false)
 * @param title    one line: what fired, where
 * @param severity the worst severity among the findings: the message's priority
 * @param markdown the body: the investigation's answer, or why there is none
 * @param link     where the finding can be read, when HAIA knows its public URL
 * @param findings the findings it is about
 */
public record Notification(boolean opened, String title, Severity severity, String markdown, Optional<URI> link,
                           List<Finding> findings) {

    public Notification {
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(markdown, "markdown");
        Objects.requireNonNull(link, "link");
        findings = List.copyOf(findings);
    }

    /** ntfy's priority: 5 (urgent) for critical, 4 (high) for warnings, 3 for information, 2 (low) when resolved. */
    public int ntfyPriority() {
        if (!opened) {
            return 2;
        }
        return switch (severity) {
            case CRITICAL -> 5;
            case WARNING -> 4;
            case INFO -> 3;
        };
    }

    /**
     * Gotify's priority (0-10; its Android app sounds from 4 and pops up from 8): 8 for critical, 5 for warnings, 2
     * for information and when resolved.
     */
    public int gotifyPriority() {
        if (!opened) {
            return 2;
        }
        return switch (severity) {
            case CRITICAL -> 8;
            case WARNING -> 5;
            case INFO -> 2;
        };
    }

    /** ntfy tags (shown as emoji): rotating_light, warning, information_source; white_check_mark when resolved. */
    public String ntfyTags() {
        if (!opened) {
            return "white_check_mark,haia";
        }
        return switch (severity) {
            case CRITICAL -> "rotating_light,haia";
            case WARNING -> "warning,haia";
            case INFO -> "information_source,haia";
        };
    }
}
