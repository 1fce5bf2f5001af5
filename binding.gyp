# The native addon (src/proofs/native.ts loads it): Fr arithmetic for Poseidon and replica encoding.
# npm runs `node-gyp rebuild` on install because this file exists; the result is
# build/Release/damocles_native.node. Portable x86-64 code (no -march): it runs on any machine it is copied to.
{
  "targets": [
    {
      "target_name": "damocles_native",
      "sources": ["native/addon.c", "native/fr.c", "native/poseidon.c"],
      "cflags_c": ["-std=c11", "-O3", "-Wall", "-Wextra"],
      "xcode_settings": { "OTHER_CFLAGS": ["-std=c11", "-O3"] }
    }
  ]
}
