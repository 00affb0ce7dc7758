# A generated document must be what its generator writes now, byte for byte (every
# generator is deterministic), so it cannot go stale.
#   -DDOC=docs/x.md               the committed file, relative to SOURCE
#   -DGENERATE=cmd|arg|@OUT@/x.md  the generator, '|'-separated; @OUT@ is a scratch dir
#   -DREGENERATE="..."            the command that refreshes DOC, for the failure message
set(out "${WORK}/generated-doc-${NAME}")
file(REMOVE_RECURSE "${out}")
file(MAKE_DIRECTORY "${out}")
string(REPLACE "|" ";" command "${GENERATE}")
string(REPLACE "@OUT@" "${out}" command "${command}")
execute_process(COMMAND ${command} OUTPUT_QUIET ERROR_VARIABLE stderr RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "generating ${DOC} failed with ${rc}: ${stderr}")
endif()
get_filename_component(name "${DOC}" NAME)
execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${out}/${name}" "${SOURCE}/${DOC}"
                RESULT_VARIABLE differs)
file(REMOVE_RECURSE "${out}")
if(differs)
  message(FATAL_ERROR "${DOC} is stale: regenerate it with `${REGENERATE}`")
endif()
