package haia.openai;

import java.util.Optional;

/**
 * The client sent something HAIA cannot accept. Carries what OpenAI's error shape needs: a message naming the
 * problem, the offending parameter and an error code.
 */
public class InvalidRequestException extends RuntimeException {

    private final int status;
    private final Optional<String> param;
    private final String code;

    public InvalidRequestException(String message, String param) {
        this(400, message, Optional.ofNullable(param), "invalid_request");
    }

    public InvalidRequestException(int status, String message, Optional<String> param, String code) {
        super(message, null, false, false);
        this.status = status;
        this.param = param;
        this.code = code;
    }

    /** The HTTP status: 400, or 413/415 for body size and type problems, 404 for unknown models or resources. */
    public int status() {
        return status;
    }

    public Optional<String> param() {
        return param;
    }

    public String code() {
        return code;
    }
}
