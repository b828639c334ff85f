// smrlab_modelcheck: the model checker's command (modelcheck/check_command.hpp), built by the
// modelcheck preset, where smr::sync is the checker's (modelcheck/sync_model.hpp).
#include "modelcheck/check_command.hpp"

int main(int argc, char** argv) { return smr::modelcheck::check_command(argc, argv); }
