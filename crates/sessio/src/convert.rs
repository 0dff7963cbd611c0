//! Moving a value into the type a layer needs without re-wrapping it when it
//! already has that type.

use std::any::Any;

/// `value` itself when it is already a `T`, else `convert(value)`.
pub(crate) fn reuse_or<T: 'static, V: 'static>(value: V, convert: impl FnOnce(V) -> T) -> T {
    let mut slot = Some(value);
    if let Some(same) = (&mut slot as &mut dyn Any).downcast_mut::<Option<T>>()
        && let Some(value) = same.take()
    {
        return value;
    }
    match slot {
        Some(value) => convert(value),
        // The downcast above either took the value or left it in the slot.
        None => unreachable!("the value is in the slot unless it was taken"),
    }
}
