#ifndef TWINWATCH_CBUILDINFO_H
#define TWINWATCH_CBUILDINFO_H

/// The git commit this binary was built from ("unknown" for a plain `swift build`).
const char *twinwatch_build_commit(void);

#endif
