# Sourced by bin/env.sh (building) and bin/start (running): finds a Java 21+ installation.

haia_java_major() {   # prints the feature version of the Java installation at $1, or nothing
    # its release file says so without starting a JVM (which would cost start-up time)
    if [ -r "$1/release" ]; then
        sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
    else
        "$1/bin/java" -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
    fi
}

haia_find_jdk() {   # $1: the tool it must have (javac to build, java to run); prints its home
    local tool=$1 candidate major best="" best_major=0
    # 1. JAVA_HOME, when it is 21+
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/$tool" ]; then
        major=$(haia_java_major "$JAVA_HOME")
        if [ "${major:-0}" -ge 21 ]; then echo "$JAVA_HOME"; return 0; fi
        echo "HAIA: JAVA_HOME=$JAVA_HOME is Java ${major:-?}; looking for 21 or newer elsewhere" >&2
    fi
    # 2. the newest 21+ under /usr/lib/jvm (Debian/Ubuntu packages and Temurin land there)
    for candidate in /usr/lib/jvm/*; do
        [ -x "$candidate/bin/$tool" ] || continue
        major=$(haia_java_major "$candidate")
        if [ "${major:-0}" -ge 21 ] && [ "$major" -gt "$best_major" ]; then best="$candidate"; best_major=$major; fi
    done
    if [ -n "$best" ]; then echo "$best"; return 0; fi
    # 3. the one on PATH
    if command -v "$tool" >/dev/null 2>&1; then
        candidate=$(dirname "$(dirname "$(readlink -f "$(command -v "$tool")")")")
        major=$(haia_java_major "$candidate")
        if [ "${major:-0}" -ge 21 ]; then echo "$candidate"; return 0; fi
    fi
    cat >&2 <<'MSG'
HAIA needs Java 21 or newer (25 recommended), and none was found in JAVA_HOME, /usr/lib/jvm or on PATH.
Install a JDK, then run this again (or point JAVA_HOME at it):
  - Temurin 25 (recommended): https://adoptium.net/installation/linux/  (apt package temurin-25-jdk)
  - Debian 13 / Ubuntu 24.04: sudo apt install openjdk-21-jdk-headless
MSG
    return 1
}

haia_jvm_options() {   # $1: HAIA's home, $2: the Java feature version; prints the JVM flags HAIA runs with
    local opts
    if [ -n "${HAIA_JAVA_OPTS:-}" ]; then
        opts=$HAIA_JAVA_OPTS
    elif [ -f "$1/config/jvm.options" ]; then
        opts=$(grep -v '^[[:space:]]*#' "$1/config/jvm.options" | tr '\n' ' ')
    else
        opts=""   # a config folder mounted without jvm.options: the JVM's defaults
    fi
    [ "$2" -ge 25 ] || opts=${opts//-XX:+UseCompactObjectHeaders/}   # JDK 25+ only
    echo "$opts"
}
