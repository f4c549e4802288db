package haia.llm;

import java.util.Objects;

/**
 * Why a provider cannot serve a request as asked (a combination its API refuses, such as Claude thinking under a
 * forced tool choice): the client gets a 400 naming the field, before anything is stored or sent.
 *
 * @param param   the request field at fault, OpenAI's {@code param}
 * @param message what is wrong and what to do instead
 */
public record RequestProblem(String param, String message) {
    public RequestProblem {
        Objects.requireNonNull(param, "param");
        Objects.requireNonNull(message, "message");
    }
}
