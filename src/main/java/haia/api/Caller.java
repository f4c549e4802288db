package haia.api;

import java.util.Objects;
import java.util.Optional;

import haia.store.Owners;

import io.helidon.webserver.http.ServerRequest;

/**
 * Who a {@code /v1} request acts as: a verified OpenWebUI user ({@link UserFilter}), whose memory is their own, or the
 * admin (the API key's holder, and HAIA's single user when OpenWebUI's users are not told apart), who sees
 * everything.
 *
 * @param owner the owner of what the request stores and reads ({@link Owners})
 * @param admin whether it may read everyone's conversations, search results, notes and usage
 */
public record Caller(String owner, boolean admin) {

    public static final Caller ADMIN = new Caller(Owners.SINGLE_USER, true);

    public Caller {
        Objects.requireNonNull(owner, "owner");
    }

    public static Caller user(String id) {
        return new Caller(id, false);
    }

    /** The request's caller, as {@link UserFilter} found it. */
    public static Caller of(ServerRequest req) {
        return req.context().get(Caller.class).orElse(ADMIN);
    }

    /** Whose rows a read covers: everyone's (empty) for the admin, else the user's own. */
    public Optional<String> scope() {
        return admin ? Optional.empty() : Optional.of(owner);
    }
}
