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
    # the defaults (bin/jvm.options), then extra flags from the config folder's jvm.options and HAIA_JAVA_OPTS:
    # extras add to the defaults and, coming later, win (-Xmx1g after -Xmx368m); a garbage collector chosen there
    # replaces the default one (the JVM refuses two)
    local defaults="" extra="" flag opts=""
    if [ -f "$1/bin/jvm.options" ]; then
        defaults=$(grep -v '^[[:space:]]*#' "$1/bin/jvm.options" | tr '\n' ' ')
    else
        echo "HAIA: $1/bin/jvm.options is missing; starting with the JVM's default flags" >&2
    fi
    if [ -f "$1/config/jvm.options" ]; then
        extra=$(grep -v '^[[:space:]]*#' "$1/config/jvm.options" | tr '\n' ' ')
    fi
    extra="$extra ${HAIA_JAVA_OPTS:-}"
    local own_gc=""
    for flag in $extra; do
        case "$flag" in -XX:+Use*GC) own_gc=$flag ;; esac
    done
    for flag in $defaults; do
        case "$flag" in
            -XX:+Use*GC) [ -n "$own_gc" ] && continue ;;
        esac
        opts="$opts $flag"
    done
    opts="$opts $extra"
    [ "$2" -ge 25 ] || opts=${opts//-XX:+UseCompactObjectHeaders/}   # JDK 25+ only
    echo $opts
}

haia_aot_flags() {   # $@: JVM flags; prints those an AOT cache must have been recorded with to be usable
    local flag
    for flag in "$@"; do
        case "$flag" in
            -XX:[+-]Use*GC|-XX:[+-]UseCompactObjectHeaders|-XX:[+-]UseCompressedOops|-XX:[+-]UseCompressedClassPointers|-XX:ObjectAlignmentInBytes=*)
                echo "$flag" ;;
        esac
    done | sort -u | tr '\n' ' '
}
