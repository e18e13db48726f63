// The commit is a define of this one C file (Package.swift, from $TWINWATCH_COMMIT), not a Swift
// -D flag or a generated source: a new commit recompiles this file and relinks, nothing else.
#include "CBuildInfo.h"

#ifndef TWINWATCH_COMMIT
#define TWINWATCH_COMMIT "unknown"
#endif

const char *twinwatch_build_commit(void) { return TWINWATCH_COMMIT; }
