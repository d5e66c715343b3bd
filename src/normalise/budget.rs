//! What evaluating one unit may cost. The scanned repository is untrusted: a few
//! lines of locals that each double the last, or a `Fn::Sub` that repeats a large
//! parameter default, would otherwise build values without end. Evaluation charges
//! the budget of its unit for every step, for every value it builds and for every
//! stored value it copies; past a cap the value is unknown (which never fails a rule)
//! and the unit gets one located error per place, so the rest of the unit and every
//! other unit are still scanned.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use crate::load::{format_size, Limits, LoadError};
use crate::source::{SourceFile, Span};

/// Expressions nested deeper than this, counted across locals, outputs and module
/// inputs that refer to each other, are unknown: it bounds the evaluator's recursion
/// (a chain of 20,000 locals would otherwise overflow the stack).
pub const MAX_EVAL_NESTING: usize = 500;

/// Places reported per unit: past it, the last error counts the rest.
pub const MAX_REPORTED: usize = 20;

/// Which cap a value ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    /// One string grew past `max_value_size`.
    ValueBytes(u64),
    /// One collection grew past `max_value_items`.
    ValueItems(u64),
    /// The unit built or copied more than `max_eval_size`.
    UnitBytes,
    /// The unit took more than `max_eval_steps`.
    Steps,
    /// Evaluation nested deeper than `MAX_EVAL_NESTING`.
    Nesting,
}

/// A cap reached, where: the file (Terraform units span many files; `None` is the
/// unit's one file) and the expression.
#[derive(Debug, Clone)]
pub struct Overrun {
    pub file: Option<Arc<SourceFile>>,
    pub error: LoadError,
}

pub struct Budget {
    limits: Limits,
    steps: Cell<u64>,
    bytes: Cell<u64>,
    nesting: Cell<usize>,
    /// A per-unit cap (size or steps) was reached: everything evaluated after it is
    /// unknown, at once.
    spent: Cell<bool>,
    spent_reported: Cell<bool>,
    overruns: RefCell<Vec<Overrun>>,
    /// Places past `MAX_REPORTED`.
    unreported: Cell<usize>,
    /// What is being evaluated (`local.l17`, `module.a.var.x`), innermost last.
    names: RefCell<Vec<String>>,
}

impl Budget {
    pub fn new(limits: &Limits) -> Budget {
        Budget {
            limits: *limits,
            steps: Cell::new(0),
            bytes: Cell::new(0),
            nesting: Cell::new(0),
            spent: Cell::new(false),
            spent_reported: Cell::new(false),
            overruns: RefCell::new(Vec::new()),
            unreported: Cell::new(0),
            names: RefCell::new(Vec::new()),
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// A per-unit cap was reached: evaluate nothing more.
    pub fn is_spent(&self) -> bool {
        self.spent.get()
    }

    /// One evaluation step.
    pub fn step(&self) -> Result<(), Exceeded> {
        if self.spent.get() {
            return Err(Exceeded::Steps);
        }
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if steps > self.limits.max_eval_steps {
            self.spent.set(true);
            return Err(Exceeded::Steps);
        }
        Ok(())
    }

    /// Bytes the unit has left to build or copy.
    pub fn remaining(&self) -> u64 {
        self.limits.max_eval_bytes.saturating_sub(self.bytes.get())
    }

    /// `n` bytes built or copied.
    pub fn charge(&self, n: u64) -> Result<(), Exceeded> {
        if self.spent.get() {
            return Err(Exceeded::UnitBytes);
        }
        let bytes = self.bytes.get().saturating_add(n);
        self.bytes.set(bytes);
        if bytes > self.limits.max_eval_bytes {
            self.spent.set(true);
            return Err(Exceeded::UnitBytes);
        }
        Ok(())
    }

    /// A value built by evaluation, `bytes` of its longest string and `items`
    /// elements in all: within the per-value caps, and charged to the unit.
    pub fn built(&self, weight: Weight) -> Result<(), Exceeded> {
        if weight.longest > self.limits.max_value_bytes {
            return Err(Exceeded::ValueBytes(weight.longest));
        }
        if weight.items > self.limits.max_value_items {
            return Err(Exceeded::ValueItems(weight.items));
        }
        self.charge(weight.bytes)
    }

    /// Runs `f` one level deeper, or says the nesting cap is reached.
    pub fn nested<R>(&self, f: impl FnOnce() -> R) -> Result<R, Exceeded> {
        let depth = self.nesting.get();
        if depth >= MAX_EVAL_NESTING {
            return Err(Exceeded::Nesting);
        }
        self.nesting.set(depth + 1);
        let r = f();
        self.nesting.set(depth);
        Ok(r)
    }

    /// Runs `f` while evaluating `name` (for messages).
    pub fn named<R>(&self, name: impl Into<String>, f: impl FnOnce() -> R) -> R {
        self.names.borrow_mut().push(name.into());
        let r = f();
        self.names.borrow_mut().pop();
        r
    }

    /// Records that `exceeded` was reached at `span` of `file`. Each place is
    /// reported once, and a per-unit cap only where it was first reached.
    pub fn overrun(&self, file: Option<&Arc<SourceFile>>, span: Option<Span>, exceeded: Exceeded) {
        let mut overruns = self.overruns.borrow_mut();
        if matches!(exceeded, Exceeded::UnitBytes | Exceeded::Steps) {
            // After the first, every evaluation stops on the spent budget.
            if self.spent_reported.replace(true) {
                return;
            }
        }
        let same_place = |o: &Overrun| {
            o.error.span == span
                && match (&o.file, file) {
                    (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                    (None, None) => true,
                    _ => false,
                }
        };
        if overruns.iter().any(same_place) {
            return;
        }
        if overruns.len() >= MAX_REPORTED {
            self.unreported.set(self.unreported.get() + 1);
            return;
        }
        let message = self.message(exceeded);
        let error = match span {
            Some(span) => LoadError::at(span, message),
            None => LoadError::whole_file(message),
        };
        overruns.push(Overrun {
            file: file.cloned(),
            error,
        });
    }

    fn message(&self, exceeded: Exceeded) -> String {
        let names = self.names.borrow();
        let what = names.last().map_or("this value", String::as_str);
        let l = &self.limits;
        match exceeded {
            Exceeded::ValueBytes(n) => format!(
                "{what} grows past {} ({} here; the max_value_size limit), so its value is \
                 unknown; raise it with --max-value-size or `max_value_size` under [limits] \
                 in opsgate.toml",
                format_size(l.max_value_bytes),
                format_size(n)
            ),
            Exceeded::ValueItems(n) => format!(
                "{what} grows past {} elements ({n} here; the max_value_items limit), so its \
                 value is unknown; raise it with --max-value-items or `max_value_items` under \
                 [limits] in opsgate.toml",
                l.max_value_items
            ),
            Exceeded::UnitBytes => format!(
                "evaluating this unit builds more than {} of values (the max_eval_size limit), \
                 reached in {what}: it and every value evaluated after it are unknown; raise \
                 it with --max-eval-size or `max_eval_size` under [limits] in opsgate.toml",
                format_size(l.max_eval_bytes)
            ),
            Exceeded::Steps => format!(
                "evaluating this unit takes more than {} steps (the max_eval_steps limit), \
                 reached in {what}: it and every value evaluated after it are unknown; raise \
                 it with --max-eval-steps or `max_eval_steps` under [limits] in opsgate.toml",
                l.max_eval_steps
            ),
            Exceeded::Nesting => format!(
                "{what} nests more than {MAX_EVAL_NESTING} evaluations deep (values that \
                 refer to each other: locals, outputs, module inputs, mappings), so its value \
                 is unknown"
            ),
        }
    }

    /// The places where a cap was reached, in the order they were reached; past
    /// `MAX_REPORTED`, the last one says how many more there are.
    pub fn into_overruns(self) -> Vec<Overrun> {
        let mut overruns = self.overruns.into_inner();
        let more = self.unreported.get();
        if more > 0 {
            if let Some(last) = overruns.last_mut() {
                last.error.message.push_str(&format!(
                    " (and {more} more places in this unit where a value reached an evaluation limit)"
                ));
            }
        }
        overruns
    }
}

/// The size of a value: bytes in all (strings by length, every other node a few
/// bytes), its longest string, and its elements at every level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Weight {
    pub bytes: u64,
    pub longest: u64,
    pub items: u64,
}

/// What a scalar or an element slot costs beside its text.
pub const NODE_BYTES: u64 = 16;

impl Weight {
    pub fn add_text(&mut self, len: usize) {
        let len = len as u64;
        self.bytes = self.bytes.saturating_add(len + NODE_BYTES);
        self.longest = self.longest.max(len);
    }

    pub fn add_node(&mut self) {
        self.bytes = self.bytes.saturating_add(NODE_BYTES);
    }

    pub fn add_item(&mut self) {
        self.items = self.items.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_value_bytes: 100,
            max_value_items: 10,
            max_eval_bytes: 1000,
            max_eval_steps: 50,
            ..Limits::default()
        }
    }

    #[test]
    fn per_value_caps_leave_the_unit_budget_alone() {
        let b = Budget::new(&limits());
        let big = Weight {
            bytes: 200,
            longest: 101,
            items: 0,
        };
        assert_eq!(b.built(big), Err(Exceeded::ValueBytes(101)));
        assert!(!b.is_spent());
        let many = Weight {
            bytes: 200,
            longest: 1,
            items: 11,
        };
        assert_eq!(b.built(many), Err(Exceeded::ValueItems(11)));
        assert_eq!(b.remaining(), 1000);
    }

    #[test]
    fn per_unit_caps_spend_the_budget_and_are_reported_once() {
        let b = Budget::new(&limits());
        assert_eq!(b.charge(600), Ok(()));
        assert_eq!(b.charge(600), Err(Exceeded::UnitBytes));
        assert!(b.is_spent());
        assert_eq!(b.step(), Err(Exceeded::Steps));
        b.named("local.x", || {
            b.overrun(None, Some(Span::new(1, 2)), Exceeded::UnitBytes)
        });
        b.overrun(None, Some(Span::new(5, 6)), Exceeded::UnitBytes);
        let overruns = b.into_overruns();
        assert_eq!(overruns.len(), 1);
        assert!(
            overruns[0]
                .error
                .message
                .starts_with("evaluating this unit builds more than 1000 bytes of values"),
            "{}",
            overruns[0].error.message
        );
        assert!(overruns[0].error.message.contains("reached in local.x"));
    }

    #[test]
    fn steps_and_nesting_are_bounded() {
        let b = Budget::new(&limits());
        for _ in 0..50 {
            b.step().unwrap();
        }
        assert_eq!(b.step(), Err(Exceeded::Steps));
        let b = Budget::new(&limits());
        fn down(b: &Budget, n: usize) -> Result<usize, Exceeded> {
            if n == 0 {
                return Ok(0);
            }
            b.nested(|| down(b, n - 1))?.map(|d| d + 1)
        }
        assert_eq!(down(&b, MAX_EVAL_NESTING), Ok(MAX_EVAL_NESTING));
        assert_eq!(down(&b, MAX_EVAL_NESTING + 1), Err(Exceeded::Nesting));
    }
}
