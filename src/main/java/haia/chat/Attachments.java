package haia.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import haia.llm.TokenEstimate;

/**
 * What a client attached to its messages beside the user's own words: OpenWebUI's documents, as it wraps them around
 * a message (its RAG template: instructions, then each document as a {@code <source>} inside {@code <context>}), and
 * its references to the chat's files ({@code <attached_files>}). Recorded from OpenWebUI 0.12.4:
 * src/test/resources/openwebui/document-*.json.
 *
 * <p>HAIA stores the user's own words only (OpenWebUI resends the documents with every message, so the stored
 * conversation needs no copy, and each exchange is stored once). The attachments go to the model with the request that
 * carries them, as a system block after the persona: a place that stays put from turn to turn, so a provider's prompt
 * cache reads the document back instead of writing it again with every message. A document too long for the model's
 * token budget is cut to its head and tail around a visible marker ({@link #fitted}).
 *
 * @param instructions the template's text before {@code <context>} (OpenWebUI's instructions to the model)
 * @param documents    the documents, in order
 * @param closing      the template's text after {@code </context>}
 * @param fileTags     OpenWebUI's {@code <file .../>} references from every user message, each once
 */
public record Attachments(String instructions, List<Document> documents, String closing, List<String> fileTags) {

    public static final Attachments NONE = new Attachments("", List.of(), "", List.of());

    /** Room an attached document keeps at least, in estimated tokens (about 1,000 characters); less is refused. */
    static final int MIN_DOCUMENT = 250;

    /**
     * One document.
     *
     * @param openTag its {@code <source ...>} tag as the client wrote it
     * @param name    its file name, as the tag says ("the attached document" when it says none)
     * @param text    its text
     */
    public record Document(String openTag, String name, String text) {
        public Document {
            Objects.requireNonNull(openTag, "openTag");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(text, "text");
        }
    }

    public Attachments {
        Objects.requireNonNull(instructions, "instructions");
        documents = List.copyOf(documents);
        Objects.requireNonNull(closing, "closing");
        fileTags = List.copyOf(fileTags);
    }

    public boolean isEmpty() {
        return documents.isEmpty() && fileTags.isEmpty();
    }

    /** The system block the model gets: the template as the client wrote it, then the file references. */
    String render() {
        StringBuilder text = new StringBuilder();
        if (!documents.isEmpty()) {
            text.append(instructions).append("<context>\n");
            for (Document document : documents) {
                text.append(document.openTag()).append(document.text()).append("</source>\n");
            }
            text.append("</context>").append(closing);
        }
        if (!fileTags.isEmpty()) {
            if (!text.isEmpty()) {
                text.append("\n\n");
            }
            text.append("<attached_files>\n").append(String.join("\n", fileTags)).append("\n</attached_files>");
        }
        return text.toString();
    }

    /** The attachments as the model gets them, and what HAIA had to leave out of them. */
    record Fitted(String block, List<String> notes) {
    }

    /**
     * The attachments within {@code room} estimated tokens (characters / 4): whole when they fit, else each document
     * cut to its share of the room (its head and tail, with a marker saying how much was left out and why).
     *
     * @param why what limits the room, for the marker and the note (the model and its budget)
     * @throws RequestRefused when the room cannot hold even {@value #MIN_DOCUMENT} tokens of each document: the
     *                        message names the documents and the setting that gives more room
     */
    Fitted fitted(long room, String why) {
        String whole = render();
        if (TokenEstimate.of(whole) <= room) {
            return new Fitted(whole, List.of());
        }
        long overhead = TokenEstimate.of(new Attachments(instructions, documents.stream()
                .map(d -> new Document(d.openTag(), d.name(), "")).toList(), closing, fileTags).render());
        long text = documents.stream().mapToLong(d -> TokenEstimate.of(d.text())).sum();
        long forText = room - overhead - 100L * documents.size();   // each marker takes about 100 tokens
        if (forText < (long) MIN_DOCUMENT * documents.size()) {
            throw new RequestRefused("messages", "The attached " + (documents.size() == 1 ? "document " : "documents ")
                    + names() + " (" + TokenBudget.thousands(chars()) + " characters) cannot go to the model: " + why
                    + ", and this message leaves too little room for even the start of "
                    + (documents.size() == 1 ? "it" : "them") + ". Raise HAIA_CONTEXT_TOKENS (or the model's"
                    + " context-tokens), pick a model with a larger context, or ask about a part of it; nothing was"
                    + " stored.");
        }
        List<Document> cut = new ArrayList<>(documents.size());
        List<String> notes = new ArrayList<>();
        for (Document document : documents) {
            long estimate = TokenEstimate.of(document.text());
            int share = (int) Math.max(MIN_DOCUMENT, forText * estimate / Math.max(1, text));
            if (estimate <= share) {
                cut.add(document);
                continue;
            }
            int keep = share * 4;
            String marker = "\n\n[... %s characters of " + document.name() + " left out here by HAIA: the document is"
                    + " longer than the model can take with this conversation (" + why + ") ...]\n\n";
            cut.add(new Document(document.openTag(), document.name(), TokenBudget.headAndTail(document.text(), keep,
                                                                                                marker)));
            notes.add("The attached document " + document.name() + " ("
                    + TokenBudget.thousands(document.text().length()) + " characters) went to the model as its first"
                    + " and last " + TokenBudget.thousands(keep / 2)
                    + " characters: " + why + ".");
        }
        return new Fitted(new Attachments(instructions, cut, closing, fileTags).render(), notes);
    }

    private String names() {
        return String.join(", ", documents.stream().map(Document::name).toList());
    }

    private long chars() {
        return documents.stream().mapToLong(d -> d.text().length()).sum();
    }
}
