mod util;

mod assess;
mod input_errors;
mod output;
mod policy_errors;
mod sample;
