package haia.api;

import java.util.List;

import io.helidon.http.Method;

/**
 * Every method and path HAIA answers, in one list, so that a request for anything else is answered with what HAIA
 * does serve: 404 for an unknown path, 405 with {@code Allow} for a known path and the wrong method. The services
 * register their own routes; {@code RoutingTest} checks that each entry here really is answered.
 */
final class Endpoints {

    /** One route; a {@code {name}} segment matches any single path segment. */
    record Endpoint(Method method, String path) {
        boolean matches(String requestPath) {
            String[] want = path.split("/", -1);
            String[] got = requestPath.split("/", -1);
            if (want.length != got.length) {
                return false;
            }
            for (int i = 0; i < want.length; i++) {
                boolean parameter = want[i].startsWith("{") && !got[i].isEmpty();
                if (!parameter && !want[i].equals(got[i])) {
                    return false;
                }
            }
            return true;
        }
    }

    static final List<Endpoint> ALL = List.of(
            new Endpoint(Method.POST, "/v1/chat/completions"),
            new Endpoint(Method.POST, "/v1/responses"),
            new Endpoint(Method.GET, "/v1/responses/{id}"),
            new Endpoint(Method.DELETE, "/v1/responses/{id}"),
            new Endpoint(Method.GET, "/v1/responses/{id}/input_items"),
            new Endpoint(Method.GET, "/v1/models"),
            new Endpoint(Method.GET, "/v1/models/{id}"),
            new Endpoint(Method.GET, "/v1/conversations"),
            new Endpoint(Method.POST, "/v1/conversations"),
            new Endpoint(Method.GET, "/v1/conversations/{id}"),
            new Endpoint(Method.DELETE, "/v1/conversations/{id}"),
            new Endpoint(Method.GET, "/v1/conversations/{id}/messages"),
            new Endpoint(Method.GET, "/v1/conversations/{id}/export"),
            new Endpoint(Method.GET, "/v1/usage"),
            new Endpoint(Method.GET, "/v1/memory/search"),
            new Endpoint(Method.GET, "/v1/memory/notes"),
            new Endpoint(Method.POST, "/v1/memory/notes"),
            new Endpoint(Method.DELETE, "/v1/memory/notes/{id}"),
            new Endpoint(Method.POST, "/v1/alerts"),
            new Endpoint(Method.POST, "/v1/alerts/alertmanager"),
            new Endpoint(Method.GET, "/v1/findings"),
            new Endpoint(Method.GET, "/v1/findings/{id}"),
            new Endpoint(Method.GET, "/health"),
            new Endpoint(Method.GET, "/metrics"));

    /** What the 404 message lists: the endpoints a client is most likely looking for. */
    static final String SERVED = "POST /v1/chat/completions, /v1/responses, GET /v1/models, /v1/conversations,"
            + " GET /v1/usage, /v1/memory, POST /v1/alerts, GET /v1/findings, GET /health and GET /metrics";

    private Endpoints() {
    }

    /** The methods {@code path} answers; empty when HAIA has no such path. */
    static List<Method> allowed(String path) {
        return ALL.stream().filter(e -> e.matches(path)).map(Endpoint::method).distinct().toList();
    }
}
