package haia.openai;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import haia.chat.Attachments;

/**
 * The wrappers OpenWebUI puts around a user's message when a document is attached, taken off again so HAIA sees the
 * user's own words (recorded from OpenWebUI 0.12.4, src/test/resources/openwebui/document-*.json):
 * <ul>
 *     <li>its RAG template, on the newest user message of every request while the chat has documents:
 *         {@code ### Task: ...instructions... <context><source id="1" name="notes.txt" ...>the document</source>
 *         </context>}, then a line break, then the message;</li>
 *     <li>with native function calling, {@code <attached_files><file type="file" id=... name=.../></attached_files>}
 *         and a blank line before every user message that has files, this one and earlier ones alike.</li>
 * </ul>
 * Without them, the message the user typed in the first turn and the same message resent in the next turn differ, and
 * HAIA would take the chat for another branch and store it again (with the whole document) on every turn.
 */
final class OpenWebUiWrappers {

    private static final Pattern ATTACHED = Pattern.compile("(?s)\\A<attached_files>\\n(.*?)\\n?</attached_files>\\n*");
    private static final Pattern FILE_TAG = Pattern.compile("<file [^>]*/>");
    private static final Pattern SOURCE = Pattern.compile("(?s)(<source\\b[^>]*>)(.*?)</source>\\n?");
    private static final Pattern NAME = Pattern.compile("\\bname=\"([^\"]*)\"");

    /**
     * One user text, unwrapped.
     *
     * @param ownWords  what the user typed
     * @param template  the RAG template's parts, when the text was wrapped in it
     * @param fileTags  the {@code <file .../>} references before it
     */
    record Unwrapped(String ownWords, Optional<Attachments> template, List<String> fileTags) {
    }

    private OpenWebUiWrappers() {
    }

    static Unwrapped unwrap(String text) {
        Optional<Attachments> template = Optional.empty();
        String rest = text;
        if (rest.startsWith("### Task:")) {
            int open = rest.indexOf("<context>\n");
            int close = rest.lastIndexOf("</context>");
            // not a background task's prompt, whose chat history may hold an earlier message's template
            if (open >= 0 && close > open && !rest.substring(0, open).contains("<chat_history>")) {
                template = Optional.of(new Attachments(rest.substring(0, open),
                                                       documents(rest.substring(open + "<context>\n".length(), close)),
                                                       "", List.of()));
                // OpenWebUI joins the template (its default one ends in a line break) and the message with a line break
                rest = rest.substring(close + "</context>".length()).replaceFirst("\\A\\n{0,2}", "");
            }
        }
        List<String> tags = new ArrayList<>();
        Matcher attached = ATTACHED.matcher(rest);
        if (rest.startsWith("<attached_files>") && attached.find()) {
            Matcher tag = FILE_TAG.matcher(attached.group(1));
            while (tag.find()) {
                tags.add(tag.group());
            }
            rest = rest.substring(attached.end());
        }
        if (rest.isBlank() && (template.isPresent() || !tags.isEmpty())) {
            // files sent without a word: the message is their names (the same in the next turn, which resends only the
            // references)
            List<String> names = new ArrayList<>();
            tags.forEach(tag -> {
                Matcher name = NAME.matcher(tag);
                names.add(name.find() ? name.group(1) : "a file");
            });
            if (names.isEmpty()) {
                template.get().documents().forEach(d -> names.add(d.name()));
            }
            rest = "[attached: " + String.join(", ", names) + "]";
        }
        return new Unwrapped(rest, template, tags);
    }

    /** The documents of a {@code <context>}: its {@code <source>}s, or, in a template of its own, one document. */
    private static List<Attachments.Document> documents(String context) {
        List<Attachments.Document> documents = new ArrayList<>();
        Matcher source = SOURCE.matcher(context);
        while (source.find()) {
            Matcher name = NAME.matcher(source.group(1));
            documents.add(new Attachments.Document(source.group(1),
                                                   name.find() ? name.group(1) : "the attached document",
                                                   source.group(2)));
        }
        if (documents.isEmpty()) {
            documents.add(new Attachments.Document("<source>", "the attached document", context));
        }
        return documents;
    }

    /**
     * The attachments of a request: the newest user message's template (OpenWebUI puts the chat's documents there)
     * with the file references of all its user messages, each once.
     */
    static Attachments of(Optional<Attachments> newest, List<List<String>> fileTags) {
        Set<String> tags = new LinkedHashSet<>();
        fileTags.forEach(tags::addAll);
        Attachments template = newest.orElse(Attachments.NONE);
        return new Attachments(template.instructions(), template.documents(), template.closing(), List.copyOf(tags));
    }
}
