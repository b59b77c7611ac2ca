import ArgumentParser
import PrestartCore
import PrestartSystem

@main
enum Entry {
    static func main() async {
        DispatchLog.silence()
        StandardDescriptors.reopenClosed()
        SignalRelay.install()
        await Prestart.main()
    }
}
