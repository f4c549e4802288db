package haia.store;

/**
 * Whose memory a row is: conversations, notes and usage rows carry an owner. With OpenWebUI's users verified
 * ({@code HAIA_OPENWEBUI_JWT_SECRET}) each user's id owns their own; everything else, HAIA's single user and the API
 * key's holder, is {@link #SINGLE_USER}.
 */
public final class Owners {

    /** The owner of the single user's memory, and of what the API key's holder does. */
    public static final String SINGLE_USER = "";

    private Owners() {
    }
}
