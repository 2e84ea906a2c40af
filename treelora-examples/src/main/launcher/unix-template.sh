#!/usr/bin/env bash
# @APP_NAME@: launcher written by the build (appassembler-maven-plugin with
# treelora-examples/src/main/launcher/unix-template.sh). Runs the TreeLoRA command-line tools; `@APP_NAME@ --help`.
# JAVA_HOME or JAVACMD pick the Java runtime, JAVA_OPTS adds JVM options.

PRG=$(readlink -f "$0")
BASEDIR=$(cd "$(dirname "$PRG")/.." && pwd)
REPO="$BASEDIR"/@REPO@
if [ -z "${JAVACMD:-}" ]; then
  if [ -n "${JAVA_HOME:-}" ]; then JAVACMD="$JAVA_HOME/bin/java"; else JAVACMD=$(command -v java); fi
fi
if [ ! -x "$JAVACMD" ]; then
  echo "@APP_NAME@: no Java runtime found; install JDK 17 or set JAVA_HOME" >&2
  exit 1
fi
CLASSPATH=@CLASSPATH@

# PyTorch's native library prints one deprecation warning about a guard that DJL's JNI layer uses
# ("AutoNonVariableTypeMode is deprecated"); it concerns DJL, not the user, and no setting turns it off, so it
# is filtered out of standard error here. Everything else on standard error passes through.
"$JAVACMD" $JAVA_OPTS @EXTRA_JVM_ARGUMENTS@ -classpath "$CLASSPATH" -Dapp.name="@APP_NAME@" -Dapp.home="$BASEDIR" \
  @MAINCLASS@ @APP_ARGUMENTS@"$@" 2> >(grep -v --line-buffered -F 'AutoNonVariableTypeMode is deprecated' >&2)
status=$?
wait $! 2>/dev/null
exit $status
