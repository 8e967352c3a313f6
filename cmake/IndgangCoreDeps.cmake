# The libraries core/ links, in one place for the top-level build and the
# standalone builds of tests/durability and tests/fuzz: INDGANG_CORE_LIBS.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
pkg_check_modules(ARGON2 REQUIRED IMPORTED_TARGET libargon2)
pkg_check_modules(OPENSSL REQUIRED IMPORTED_TARGET openssl)
# libcurl: the Web Push sender's HTTPS (HTTP/2 through nghttp2) to the push
# services, on its own thread (core/notify); the multi interface keeps many
# requests on few connections.
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
set(INDGANG_CORE_LIBS PkgConfig::SQLITE3 PkgConfig::JANSSON PkgConfig::ARGON2 PkgConfig::OPENSSL
    PkgConfig::CURL Threads::Threads)
