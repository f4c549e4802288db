# Sourced by bin/run, bin/test and bin/bench: finds a JDK 21+ and Maven, installing Maven when missing.
# Sets JAVA_HOME, puts the right java first on PATH, and defines MVN.

source "$(dirname "${BASH_SOURCE[0]}")/jdk.sh"
JAVA_HOME=$(haia_find_jdk javac) || exit 1
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
