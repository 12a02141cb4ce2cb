# MOP_SANITIZE: AddressSanitizer + UndefinedBehaviorSanitizer for mop's own code (libmop, the CLI,
# the tests). llama.cpp/ggml are left uninstrumented to keep the build short; their bugs are out of
# scope and the ASan runtime still catches mop's misuse of memory it hands out.
# -fno-sanitize-recover=undefined makes any UB report fatal so the test fails; -g gives line numbers
# in reports (the build type stays Release so llama.cpp runs the model tests at full speed).
set(MOP_SANITIZE_FLAGS -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)

function(mop_sanitize target)
  if(MOP_SANITIZE)
    target_compile_options(${target} PRIVATE ${MOP_SANITIZE_FLAGS})
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
endfunction()

# GCC 12 with -fsanitize=address warns (-Wmaybe-uninitialized) inside libstdc++'s <regex>, which
# run_dir.cpp uses: a false positive in the library header, not in mop's code.
if(MOP_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set_source_files_properties(${PROJECT_SOURCE_DIR}/src/method/run_dir.cpp PROPERTIES
                              COMPILE_OPTIONS -Wno-maybe-uninitialized)
endif()
