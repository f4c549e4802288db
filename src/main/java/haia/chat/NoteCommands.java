package haia.chat;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import haia.llm.LlmMessage;
import haia.store.Note;
import haia.store.Notes;

/**
 * Notes in a chat, answered by HAIA without a model call, like {@value ChatPipeline#NEW_THREAD_COMMAND}:
 * {@code /remember <text>} saves a note, {@code /forget <text or id>} deletes what it names. And the notes as the
 * model gets them with every request of their owner ({@link #block}).
 */
final class NoteCommands {

    static final String REMEMBER = "/remember";
    static final String FORGET = "/forget";
    private static final DateTimeFormatter DAY = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);

    private NoteCommands() {
    }

    /** The reply to a note command, when the user's turn is one (and the note saved or deleted); else empty. */
    static Optional<String> answer(List<LlmMessage> userTurn, Notes notes, String owner) {
        if (userTurn.size() != 1 || !userTurn.getFirst().textOnly()) {
            return Optional.empty();
        }
        String text = userTurn.getFirst().text().strip();
        Optional<String> remember = argument(text, REMEMBER);
        if (remember.isPresent()) {
            if (remember.get().isEmpty()) {
                return Optional.of("What should I remember? Write " + REMEMBER + " and the note, for example: "
                                           + REMEMBER + " the NAS is nas-heron.");
            }
            if (remember.get().length() > Notes.MAX_CHARS) {
                return Optional.of("That note is " + remember.get().length() + " characters long; a note is at most "
                                           + Notes.MAX_CHARS + ". Nothing was saved: make it shorter.");
            }
            Note note = notes.add(owner, remember.get());
            return Optional.of("Noted (#" + note.id() + "): \"" + note.text() + "\". I'll know this in every chat from "
                                       + "now on; " + FORGET + " " + note.id() + " removes it.");
        }
        Optional<String> forget = argument(text, FORGET);
        if (forget.isPresent()) {
            if (forget.get().isEmpty()) {
                return Optional.of("What should I forget? Write " + FORGET + " and a note's number or some of its "
                                           + "words." + listed(notes.list(owner)));
            }
            List<Note> gone = notes.forget(owner, forget.get());
            if (gone.isEmpty()) {
                return Optional.of("No note matches \"" + forget.get() + "\"; nothing was removed."
                                           + listed(notes.list(owner)));
            }
            List<String> said = gone.stream().map(n -> "#" + n.id() + " \"" + n.text() + "\"").toList();
            return Optional.of("Forgotten: " + String.join(", ", said) + ". It no longer goes to the model.");
        }
        return Optional.empty();
    }

    /** The text after the command word ("" for the word alone), when {@code text} is that command. */
    private static Optional<String> argument(String text, String command) {
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.equals(command)) {
            return Optional.of("");
        }
        if (lower.startsWith(command) && Character.isWhitespace(text.charAt(command.length()))) {
            return Optional.of(text.substring(command.length()).strip());
        }
        return Optional.empty();
    }

    private static String listed(List<Note> notes) {
        if (notes.isEmpty()) {
            return " You have no notes.";
        }
        StringBuilder list = new StringBuilder(" Your notes:");
        notes.forEach(n -> list.append("\n- #").append(n.id()).append(": ").append(n.text()));
        return list.toString();
    }

    /**
     * The notes as a system block after the persona: the newest that fit in {@code maxChars}, oldest first, with a
     * visible marker for those left out. It changes only when the notes do, so the cached prompt prefix holds.
     */
    static Optional<String> block(List<Note> notes, int maxChars) {
        if (notes.isEmpty()) {
            return Optional.empty();
        }
        String head = "What the user asked you to remember (their notes, oldest first; keep to them):";
        List<String> lines = new ArrayList<>();
        int used = head.length();
        int shown = 0;
        for (int i = notes.size() - 1; i >= 0; i--) {
            Note note = notes.get(i);
            String line = "- (" + DAY.format(note.createdAt()) + ") " + note.text();
            if (used + 1 + line.length() > maxChars && shown > 0) {
                break;
            }
            lines.addFirst(line);
            used += 1 + line.length();
            shown++;
        }
        StringBuilder block = new StringBuilder(head);
        int left = notes.size() - shown;
        if (left > 0) {
            block.append("\n[").append(left).append(left == 1 ? " older note is" : " older notes are")
                    .append(" left out here to keep this short; the user can list them all with GET /v1/memory/notes]");
        }
        lines.forEach(line -> block.append('\n').append(line));
        return Optional.of(block.toString());
    }
}
