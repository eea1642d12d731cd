mod util;

mod assess;
mod explain;
mod input_errors;
mod output;
mod policy_errors;
mod sample;
mod snapshot;
mod threads;
mod validate;
mod hostile;
mod reliability;
mod schema;
mod policy_test;
