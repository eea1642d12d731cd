mod util;

mod assess;
mod budget;
mod explain;
mod hostile;
mod input_errors;
mod output;
mod policy_errors;
mod policy_test;
mod properties;
mod reliability;
mod sample;
mod schema;
mod snapshot;
mod summary;
mod threads;
mod validate;
