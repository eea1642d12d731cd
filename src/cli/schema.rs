//! `layak schema`: the inputs a policy expects.

use super::SchemaArgs;
use crate::ExitStatus;

pub fn run(_args: SchemaArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`layak schema` is not implemented yet")
}
