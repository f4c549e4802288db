package haia.llm;

import java.util.List;

/** A client asked for a model HAIA does not offer (and no default model is configured to answer instead). */
public class UnknownModelException extends RuntimeException {

    private final String requested;
    private final List<String> available;

    public UnknownModelException(String requested, List<String> available) {
        super("The model '" + requested + "' does not exist. Available models: " + String.join(", ", available),
              null, false, false);
        this.requested = requested;
        this.available = List.copyOf(available);
    }

    public String requested() {
        return requested;
    }

    public List<String> available() {
        return available;
    }
}
