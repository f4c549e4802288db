# Sourced by bin/run, bin/test and bin/bench: finds a JDK 21+ and Maven, installing Maven when missing.
# Sets JAVA_HOME, puts the right java first on PATH, and defines MVN.

haia_java_major() {   # prints the feature version of the java binary $1, or nothing
    "$1" -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
}

haia_find_jdk() {
    local candidate major best="" best_major=0
    # 1. JAVA_HOME, when it points at a JDK 21+
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
        major=$(haia_java_major "$JAVA_HOME/bin/java")
        if [ "${major:-0}" -ge 21 ]; then echo "$JAVA_HOME"; return 0; fi
        echo "bin/env.sh: JAVA_HOME=$JAVA_HOME is Java ${major:-?}; looking for 21 or newer elsewhere" >&2
    fi
    # 2. the newest JDK 21+ under /usr/lib/jvm (Debian/Ubuntu packages and Temurin land there)
    for candidate in /usr/lib/jvm/*; do
        [ -x "$candidate/bin/javac" ] || continue
        major=$(haia_java_major "$candidate/bin/java")
        if [ "${major:-0}" -ge 21 ] && [ "$major" -gt "$best_major" ]; then best="$candidate"; best_major=$major; fi
    done
    if [ -n "$best" ]; then echo "$best"; return 0; fi
    # 3. javac on PATH
    if command -v javac >/dev/null 2>&1; then
        candidate=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
        major=$(haia_java_major "$candidate/bin/java")
        if [ "${major:-0}" -ge 21 ]; then echo "$candidate"; return 0; fi
    fi
    return 1
}

if ! JAVA_HOME=$(haia_find_jdk); then
    cat >&2 <<'MSG'
HAIA needs a JDK 21 or newer (25 recommended), and none was found in JAVA_HOME, /usr/lib/jvm or on PATH.
Install one, then run this again (or point JAVA_HOME at it):
  - Temurin 25 (recommended): https://adoptium.net/installation/linux/  (apt package temurin-25-jdk)
  - Debian 13 / Ubuntu 24.04: sudo apt install openjdk-21-jdk-headless
MSG
    exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"

# Maven 3.8+: the one on PATH, else a pinned Apache Maven from Maven Central, checked against its SHA-512.
HAIA_MAVEN_VERSION=3.9.9
haia_maven_ok() {
    local v
    v=$("$1" -v 2>/dev/null | awk '/Apache Maven/ { print $3; exit }')
    [ -n "$v" ] && [ "$(printf '%s\n3.8.0\n' "$v" | sort -V | head -1)" = "3.8.0" ]
}
if command -v mvn >/dev/null 2>&1 && haia_maven_ok mvn; then
    MVN=mvn
else
    maven_home="${HAIA_CACHE:-$HOME/.cache/haia}/apache-maven-$HAIA_MAVEN_VERSION"
    if [ ! -x "$maven_home/bin/mvn" ]; then
        echo "bin/env.sh: no Maven 3.8+ on PATH; installing Apache Maven $HAIA_MAVEN_VERSION into $maven_home" >&2
        url="https://repo.maven.apache.org/maven2/org/apache/maven/apache-maven/$HAIA_MAVEN_VERSION/apache-maven-$HAIA_MAVEN_VERSION-bin.tar.gz"
        tmp=$(mktemp -d)
        if ! curl -fsSL "$url" -o "$tmp/maven.tar.gz" || ! curl -fsSL "$url.sha512" -o "$tmp/maven.sha512"; then
            echo "bin/env.sh: cannot download Maven from $url; install Maven 3.8+ (apt install maven) and retry" >&2
            exit 1
        fi
        if [ "$(sha512sum "$tmp/maven.tar.gz" | cut -d' ' -f1)" != "$(cut -d' ' -f1 < "$tmp/maven.sha512")" ]; then
            echo "bin/env.sh: the Maven download does not match its SHA-512; not using it" >&2
            exit 1
        fi
        mkdir -p "$(dirname "$maven_home")"
        tar -xzf "$tmp/maven.tar.gz" -C "$(dirname "$maven_home")"
        rm -rf "$tmp"
    fi
    MVN="$maven_home/bin/mvn"
fi
export MVN
